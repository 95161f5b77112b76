/** Log capture: lines, timestamps, masking, long lines in pieces, the cap and its marker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogCapture, type LogLine } from '../../../src/runner/log-capture';
import { MASK, Masker } from '../../../src/redact/mask';

function capture(capBytes: number, secrets: string[] = [], maxLineChars?: number) {
  const lines: LogLine[] = [];
  const c = new LogCapture({
    capBytes,
    masker: new Masker(secrets),
    now: () => new Date('2026-01-01T00:00:00Z'),
    sink: (l) => lines.push(...l),
    ...(maxLineChars ? { maxLineChars } : {}),
  });
  return { c, lines };
}

test('stdout and stderr become ordered, timestamped lines; a partial last line is flushed at the end', () => {
  const { c, lines } = capture(1 << 20);
  c.write('stdout', Buffer.from('one\ntw'));
  c.write('stderr', Buffer.from('err\r\n'));
  c.write('stdout', Buffer.from('o\nthree'));
  const summary = c.end();
  assert.deepEqual(
    lines.map((l) => [l.seq, l.stream, l.text]),
    [
      [1, 'stdout', 'one'],
      [2, 'stderr', 'err'],
      [3, 'stdout', 'two'],
      [4, 'stdout', 'three'],
    ],
  );
  assert.equal(lines[0]!.time, '2026-01-01T00:00:00.000Z');
  assert.equal(summary.truncated, false);
  assert.equal(summary.totalBytes, 18);
});

test('a UTF-8 character split across chunks survives', () => {
  const { c, lines } = capture(1 << 20);
  const bytes = Buffer.from('é€\n');
  for (const b of bytes) c.write('stdout', Buffer.from([b]));
  c.end();
  assert.equal(lines[0]!.text, 'é€');
});

test('secrets are masked even when split across chunks', () => {
  const secret = 'canary-secret-value-42';
  const { c, lines } = capture(1 << 20, [secret]);
  const text = `token=${secret}\n`;
  c.write('stdout', Buffer.from(text.slice(0, 12)));
  c.write('stdout', Buffer.from(text.slice(12)));
  c.end();
  assert.equal(lines[0]!.text, `token=${MASK}`);
});

test('a giant line is cut into pieces marked as continuing', () => {
  const { c, lines } = capture(1 << 20, [], 10);
  c.write('stdout', Buffer.from('x'.repeat(25) + '\nshort\n'));
  c.end();
  assert.deepEqual(
    lines.map((l) => [l.text.length, l.continues === true]),
    [
      [10, true],
      [10, true],
      [5, false],
      [5, false],
    ],
  );
});

test('the cap: lines beyond it are counted, not kept, with a marker where it hit and a summary at the end', () => {
  const { c, lines } = capture(100);
  let written = 0;
  for (let i = 0; i < 1000; i++) {
    const chunk = Buffer.from(`line ${i} of output\n`);
    written += chunk.length;
    c.write('stdout', chunk);
  }
  const summary = c.end();
  assert.equal(summary.truncated, true);
  assert.ok(summary.keptBytes <= 100);
  assert.equal(summary.totalBytes, written);
  const system = lines.filter((l) => l.stream === 'system').map((l) => l.text);
  assert.equal(system.length, 2);
  assert.match(system[0]!, /log cap of 100 bytes reached/);
  assert.match(system[1]!, /log truncated: kept \d+ of \d+ bytes/);
  assert.ok(lines.length < 12);
});
