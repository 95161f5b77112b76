/** Result files: O_NOFOLLOW, regular files only, size caps, malformed lines as warnings, masking. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readTaskResults } from '../../../src/runner/results';
import { MASK, Masker } from '../../../src/redact/mask';
import { tempDir } from '../../helpers/core';

const none = new Masker([]);

test('valid issues and report lines are read; malformed lines become warnings', () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'issues.jsonl'),
    '{"severity":2,"title":"Disk full"}\nnot json\n{"severity":9,"title":"Odd"}\n\n{"no":"title"}\n',
  );
  writeFileSync(join(dir, 'report.jsonl'), '{"obj":"hello","fmt":"p"}\n{"obj":{"a":1},"fmt":"weird"}\n');
  const r = readTaskResults(dir, none);
  assert.deepEqual(
    r.issues.map((i) => [i.severity, i.title]),
    [
      [2, 'Disk full'],
      [4, 'Odd'],
    ],
  );
  assert.deepEqual(
    r.report.map((b) => [b.fmt, b.obj]),
    [
      ['p', 'hello'],
      ['pre', '{"a":1}'],
    ],
  );
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0]!, /issues\.jsonl line 2 is not valid/);
  assert.match(r.warnings[1]!, /issues\.jsonl line 5/);
});

test('missing files are no results and no warning', () => {
  assert.deepEqual(readTaskResults(tempDir(), none), { issues: [], report: [], metrics: [], warnings: [] });
});

test('a symlinked issues.jsonl is refused without reading its target', () => {
  const dir = tempDir();
  const target = join(tempDir(), 'host-secret.txt');
  writeFileSync(target, '{"severity":1,"title":"HOST FILE CONTENT"}\n');
  symlinkSync(target, join(dir, 'issues.jsonl'));
  const r = readTaskResults(dir, none);
  assert.deepEqual(r.issues, []);
  assert.match(r.warnings.join('\n'), /issues\.jsonl is a symbolic link; it was not followed or read/);
  assert.ok(!JSON.stringify(r).includes('HOST FILE CONTENT'));
});

test('a FIFO or a folder in place of a result file is refused without blocking', () => {
  const dir = tempDir();
  execFileSync('mkfifo', [join(dir, 'issues.jsonl')]);
  mkdirSync(join(dir, 'report.jsonl'));
  const r = readTaskResults(dir, none);
  assert.match(r.warnings.join('\n'), /issues\.jsonl is not a regular file/);
  assert.match(r.warnings.join('\n'), /report\.jsonl is not a regular file/);
});

test('size and line caps hold; a cut last line is dropped, not misparsed', () => {
  const dir = tempDir();
  const line = '{"title":"x"}\n';
  writeFileSync(join(dir, 'issues.jsonl'), line.repeat(100));
  const r = readTaskResults(dir, none, { maxBytes: line.length * 10 + 5, maxLines: 5 });
  assert.equal(r.issues.length, 5);
  assert.match(r.warnings.join('\n'), /only the first/);
  assert.match(r.warnings.join('\n'), /more than 5 lines/);
});

test('secrets are masked in issues, report and warnings', () => {
  const dir = tempDir();
  const secret = 'hunter2-canary-secret';
  writeFileSync(
    join(dir, 'issues.jsonl'),
    `{"title":"leak ${secret}","details":"${Buffer.from(secret).toString('base64')}"}\nbad ${secret}\n`,
  );
  writeFileSync(join(dir, 'report.jsonl'), `{"obj":"x ${secret}"}\n`);
  const r = readTaskResults(dir, new Masker([secret]));
  const all = JSON.stringify(r);
  assert.ok(!all.includes(secret));
  assert.ok(!all.includes(Buffer.from(secret).toString('base64')));
  assert.equal(r.issues[0]!.title, `leak ${MASK}`);
});
