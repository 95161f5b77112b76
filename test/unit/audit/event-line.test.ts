/**
 * event-line.ts and event-scan.ts are fast twins of canonical.ts / chain.ts. These tests hold them
 * to the originals: the same bytes out, and the same verdict (first bad line and kind) in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../../src/kernel';
import { checkChain, genesisPrevHash, sealEvent, type AuditEvent } from '../../../src/audit/chain';
import { canonicalEventLine, exportedFields, fastCanonical, storedEventLine, type StoredAuditEvent } from '../../../src/audit/event-line';
import { EventLineChecker, eventShapeProblem } from '../../../src/audit/event-check';
import { newSpans, scanCanonicalEvent } from '../../../src/audit/event-scan';

function recognised(bytes: Buffer): boolean {
  return scanCanonicalEvent(bytes, 0, bytes.length, newSpans()) > 0;
}
import { makeChain, WORKSTATION } from './helpers';

/** A small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const STRINGS = [
  '',
  'plain',
  'naïve',
  '😀 emoji',
  'tab\there',
  'quote"back\\slash',
  'ctl\u0001\u001f',
  'line\u2028sep',
  'lone\ud800',
  'del\u007f',
  '</script>',
  'zh 中文',
];

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 5 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.floor((rand() - 0.5) * 2 ** 40);
    case 3:
      return STRINGS[Math.floor(rand() * STRINGS.length)];
    case 4:
      return rand() < 0.5 ? Number.MAX_SAFE_INTEGER : 0;
    case 5:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rand() * 5); i++)
        out[STRINGS[Math.floor(rand() * STRINGS.length)]! + String(i % 2)] = randomValue(rand, depth + 1);
      return out;
    }
  }
}

function randomChain(rand: () => number, count: number): AuditEvent[] {
  let prev = genesisPrevHash(WORKSTATION);
  const out: AuditEvent[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const event = sealEvent(
      prev,
      {
        seq,
        time: new Date(Date.UTC(2025, 0, 1) + seq).toISOString(),
        mono: seq * 1000,
        actor: STRINGS[Math.floor(rand() * STRINGS.length)]!,
        action: `act.${STRINGS[Math.floor(rand() * STRINGS.length)]!}`,
        target: rand() < 0.3 ? null : STRINGS[Math.floor(rand() * STRINGS.length)]!,
        outcome: (['success', 'denied', 'failure'] as const)[Math.floor(rand() * 3)]!,
      },
      randomValue(rand),
    );
    out.push(rand() < 0.2 ? { ...event, details: randomValue(rand), redacted: true } : event);
    prev = event.hash;
  }
  return out;
}

/** What the verifier must conclude, computed only with canonical.ts and chain.ts. */
function referenceVerdict(lines: string[]): { ok: boolean; line?: number; kind?: string } {
  let prev: string | null = null;
  let expected: number | null = null;
  for (const [index, text] of lines.entries()) {
    const line = index + 1;
    let event: AuditEvent;
    try {
      event = JSON.parse(text) as AuditEvent;
    } catch {
      return { ok: false, line, kind: 'eventSyntax' };
    }
    if (eventShapeProblem(event)) return { ok: false, line, kind: 'eventSyntax' };
    try {
      canonicalJson(event.details);
    } catch {
      return { ok: false, line, kind: 'eventSyntax' };
    }
    const verdict = checkChain([event], prev ?? event.prevHash, expected ?? event.seq);
    if (!verdict.ok) return { ok: false, line, kind: `chain:${verdict.problem.kind}` };
    if (canonicalJson(event) !== text) return { ok: false, line, kind: 'nonCanonical' };
    prev = event.hash;
    expected = event.seq + 1;
  }
  return { ok: true };
}

function checkerVerdict(lines: string[]): { ok: boolean; line?: number; kind?: string } {
  const checker = new EventLineChecker();
  for (const text of lines) if (!checker.line(text)) break;
  const p = checker.problem;
  if (!p) return { ok: true };
  return { ok: false, line: p.line, kind: p.kind === 'chain' ? `chain:${p.chainKind}` : p.kind };
}

/** The same, checking the lines as one block (as the chain workers do), where links are compared as text. */
function blockVerdict(lines: string[]): { ok: boolean; line?: number; kind?: string } {
  const checker = new EventLineChecker();
  const block = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const ok = checker.lines(block, 0, block.length);
  const p = checker.problem;
  if (!p) return { ok };
  return { ok: false, line: p.line, kind: p.kind === 'chain' ? `chain:${p.chainKind}` : p.kind };
}

test('fastCanonical gives canonicalJson output for random values, and throws where it throws', () => {
  const rand = prng(1);
  for (let i = 0; i < 3000; i++) {
    const value = randomValue(rand);
    assert.equal(fastCanonical(value), canonicalJson(value));
  }
  // eslint-disable-next-line no-sparse-arrays
  for (const odd of [[1, , 2], { a: undefined }, new Date(0), { nested: { deep: [{}] } }])
    assert.equal(fastCanonical(odd), canonicalJson(odd));
  for (const bad of [1.5, { x: Number.NaN }, [2 ** 53], { f: () => 1 }, 5n]) {
    assert.throws(() => canonicalJson(bad));
    assert.throws(() => fastCanonical(bad));
  }
});

test('canonicalEventLine is canonicalJson of the exported fields, for plain and odd events', () => {
  const rand = prng(2);
  for (const event of randomChain(rand, 500)) assert.equal(canonicalEventLine(event), canonicalJson(exportedFields(event)));
  const [base] = makeChain(1);
  const extra = { ...base!, storeRowId: 17 } as AuditEvent;
  assert.equal(canonicalEventLine(extra), canonicalJson(exportedFields(base!)));
  const odd = { ...base!, target: undefined } as unknown as AuditEvent;
  assert.equal(canonicalEventLine(odd), canonicalJson(exportedFields(odd)));
  assert.throws(() => canonicalEventLine({ ...base!, mono: 1.5 }), /safe integers/);
});

test('storedEventLine writes a stored event whose text is the hashed canonical details as canonicalJson does, and refuses any other text', () => {
  const rand = prng(7);
  const stored = (event: AuditEvent, detailsJson: string): StoredAuditEvent => {
    const { details: _details, redacted: _redacted, ...fields } = event;
    return { ...fields, detailsJson };
  };
  let fast = 0;
  for (const event of randomChain(rand, 500)) {
    if (event.redacted) continue;
    // What the store writes since it keeps the canonical text: the line is exactly canonicalJson's.
    assert.equal(storedEventLine(stored(event, canonicalJson(event.details))), canonicalJson(exportedFields(event)));
    fast++;
    // JSON.stringify's text in another key order (older rows), or with spaces: not the hashed text.
    const spaced = JSON.stringify(event.details, null, 1);
    if (spaced !== canonicalJson(event.details)) assert.equal(storedEventLine(stored(event, spaced)), null);
  }
  assert.ok(fast > 300);
  const [base] = makeChain(2).slice(1);
  const { details } = base!;
  assert.equal(storedEventLine(stored(base!, JSON.stringify({ b: 1, ...(details as object) }))), null);
  assert.equal(storedEventLine(stored({ ...base!, detailsHash: base!.detailsHash.toUpperCase() }, canonicalJson(details))), null);
  assert.equal(storedEventLine(stored({ ...base!, mono: 1.5 }, canonicalJson(details))), null);
  // Strings that look like the placeholder the line is assembled around change nothing.
  const tricky = sealEvent(
    base!.prevHash,
    { ...base!, actor: 'user:x","details":0,', target: ',"details":0,"detailsHash":' },
    { seq: 1, a: { details: 0 } },
  );
  assert.equal(storedEventLine(stored(tricky, canonicalJson(tricky.details))), canonicalJson(exportedFields(tricky)));
});

test('canonicalEventLine writes details in any key order and of any odd shape exactly as canonicalJson does', () => {
  const [base] = makeChain(1);
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < 80; i++) {
    const next: Record<string, unknown> = { b: i, a: [i] };
    cursor.z = next;
    cursor = next;
  }
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: { d: 2, c: 3 } });
  const withToJson = Object.assign(Object.create({ toJSON: () => 'other' }) as Record<string, unknown>, { b: 1, a: 2 });
  const oddDetails: unknown[] = [
    { z: 1, a: { y: [3, { d: 1, c: 2 }], b: null }, m: 'text' },
    { b: 1, a: undefined, c: [true, false, null] },
    { 10: 'ten', 9: 'nine', a: 'letter' },
    { b: { 2: 'x', 1: 'y' }, a: 1 },
    JSON.parse('{"b":1,"__proto__":{"x":1},"a":2}'),
    JSON.parse('{"__proto__":1,"a":{"d":1,"c":2}}'),
    JSON.parse('{"__proto__":{"d":1,"c":2}}'),
    { a: { 10: 'ten', 9: 'nine' }, b: { d: 1, c: 2 } },
    nullProto,
    { b: new Date(0), a: 1 },
    { b: [1, 2], a: [] },
    { a: -0, b: Number.MIN_SAFE_INTEGER },
    { é: 1, e: 2, '😀': 3, '\uffff': 4 },
    deep,
    [{ b: 1, a: 2 }],
    // eslint-disable-next-line no-sparse-arrays
    { b: [1, , 2], a: 1 },
    'just a string',
    null,
  ];
  for (const details of oddDetails) {
    for (const redacted of [undefined, true]) {
      const event = { ...base!, details, ...(redacted ? { redacted } : {}) };
      assert.equal(canonicalEventLine(event), canonicalJson(exportedFields(event)), JSON.stringify(details)?.slice(0, 80));
    }
  }
  // Where canonicalJson refuses, so does canonicalEventLine (JSON.stringify would have written something).
  for (const details of [
    { b: 1, a: 1.5 },
    { a: [undefined] },
    { a: () => 1 },
    { a: 2n },
    { a: Number.POSITIVE_INFINITY },
    { b: 1, toJSON: () => 'x' },
  ]) {
    assert.throws(() => canonicalJson(exportedFields({ ...base!, details })));
    assert.throws(() => canonicalEventLine({ ...base!, details }));
  }
  assert.equal(canonicalEventLine({ ...base!, details: withToJson }), canonicalJson(exportedFields({ ...base!, details: withToJson })));
});

test('the byte recogniser accepts canonical lines only', () => {
  const lines = randomChain(prng(3), 300).map((e) => canonicalJson(e));
  let count = 0;
  for (const line of lines) {
    const bytes = Buffer.from(line);
    if (recognised(bytes)) count++;
  }
  // Everything except lines holding a lone surrogate (escaped as \udXXX, left to the slow path).
  assert.ok(count >= lines.length * 0.5, `recognised ${count} of ${lines.length}`);

  const [event] = makeChain(2).slice(1);
  const good = canonicalJson(event);
  const variants: Array<[string, string]> = [
    ['space after a colon', good.replace('"action":', '"action": ')],
    ['escaped letter', good.replace('"user:alice"', '"user:\\u0061lice"').replace('"system"', '"\\u0073ystem"')],
    ['unsorted details keys', good.replace(/"details":\{"list":(\[[^\]]*\]),"n":2,/, '"details":{"n":2,"list":$1,')],
    ['fraction', good.replace('"n":2', '"n":2.0')],
    ['exponent', good.replace('"n":2', '"n":2e0')],
    ['leading zero', good.replace('"n":2', '"n":02')],
    ['negative zero', good.replace('"n":2', '"n":-0')],
    ['slash escape', good.replace('"plain"', '"pl\\/ain"')],
    ['duplicate key', good.replace('"n":2,', '"n":2,"n":2,')],
    ['redacted first', good.replace('{"action"', '{"redacted":true,"action"')],
    ['trailing space', `${good} `],
  ];
  for (const [name, text] of variants) {
    assert.notEqual(text, good, `variant "${name}" did not change the line`);
    const bytes = Buffer.from(text);
    assert.equal(recognised(bytes), false, `accepted: ${name}`);
  }
  // Hash digits are checked where they are decoded: an upper-case hash leaves the fast path.
  const upper = good.replace(/"hash":"([0-9a-f]{64})"/, (_m, h: string) => `"hash":"${h.toUpperCase()}"`);
  const checker = new EventLineChecker();
  assert.equal(checker.line(upper), false);
  assert.match(checker.problem!.message, /"hash" is not 64 lower-case hex digits/);
  const utf8 = Buffer.from(good.replace('"plain"', '"pl\u00e9in"'));
  assert.ok(recognised(utf8), 'valid UTF-8 is accepted');
  const at = utf8.indexOf(0xc3);
  for (const bad of [
    [0xc0, 0xaf],
    [0xed, 0xa0],
    [0xff, 0x41],
    [0xe0, 0x80],
  ]) {
    const copy = Buffer.from(utf8);
    copy[at] = bad[0]!;
    copy[at + 1] = bad[1]!;
    assert.equal(recognised(copy), false, `accepted invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')}`);
  }
});

test('the line checker reaches the same verdict as canonicalJson + checkChain on mutated files', () => {
  const rand = prng(4);
  const base = randomChain(rand, 6).map((e) => canonicalJson(e));
  let failures = 0;
  const mutations: Array<(lines: string[]) => string[]> = [
    (lines) => {
      const i = Math.floor(rand() * lines.length);
      const line = lines[i]!;
      const at = Math.floor(rand() * line.length);
      const replacement = String.fromCharCode(32 + Math.floor(rand() * 95));
      return lines.map((l, j) => (j === i ? line.slice(0, at) + replacement + line.slice(at + 1) : l));
    },
    (lines) => {
      const i = Math.floor(rand() * (lines.length - 1));
      const out = [...lines];
      [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      return out;
    },
    (lines) => lines.filter((_l, j) => j !== Math.floor(rand() * lines.length)),
    (lines) => {
      const i = Math.floor(rand() * lines.length);
      const event = JSON.parse(lines[i]!) as Record<string, unknown>;
      const keys = Object.keys(event).reverse();
      return lines.map((l, j) => (j === i ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, event[k]]))) : l));
    },
    (lines) => lines.map((l, j) => (j === 2 ? l.replace(/"seq":(\d+)/, (_m, n: string) => `"seq":${Number(n) + 1}`) : l)),
    (lines) => {
      // One digit of a link changed to another hex digit, or the link written in upper case.
      const i = 1 + Math.floor(rand() * (lines.length - 1));
      const at = [0, 63, Math.floor(rand() * 64)][Math.floor(rand() * 3)]!;
      const link = (h: string): string => (rand() < 0.5 ? h.toUpperCase() : h.slice(0, at) + (h[at] === 'a' ? 'b' : 'a') + h.slice(at + 1));
      return lines.map((l, j) => (j === i ? l.replace(/"prevHash":"([0-9a-f]{64})"/, (_m, h: string) => `"prevHash":"${link(h)}"`) : l));
    },
  ];
  for (let round = 0; round < 1500; round++) {
    const mutated = mutations[round % mutations.length]!(base);
    const expected = referenceVerdict(mutated);
    const actual = checkerVerdict(mutated);
    if (JSON.stringify(expected) !== JSON.stringify(actual)) failures++;
    assert.deepEqual(actual, expected, `round ${round}: ${JSON.stringify(mutated)}`);
    assert.deepEqual(blockVerdict(mutated), expected, `round ${round} as a block: ${JSON.stringify(mutated)}`);
  }
  assert.equal(failures, 0);
  assert.deepEqual(checkerVerdict(base), { ok: true });
  assert.deepEqual(blockVerdict(base), { ok: true });
});

test('the checker keeps hashes, the first event and the events it is asked to collect', () => {
  const chain = makeChain(50);
  const checker = new EventLineChecker({
    keepHashes: true,
    collectActions: ['secret.use'],
    startPrevHash: genesisPrevHash(WORKSTATION),
    startSeq: 1,
  });
  for (const event of chain) assert.ok(checker.line(canonicalJson(event)));
  assert.equal(checker.count, 50);
  assert.equal(checker.lastHash, chain[49]!.hash);
  assert.equal(checker.firstPrevHash, genesisPrevHash(WORKSTATION));
  assert.equal(checker.hashes!.toString('hex', 32 * 9, 32 * 10), chain[9]!.hash);
  assert.deepEqual(checker.firstEvent, chain[0]);
  assert.deepEqual(
    checker.collected.map((e) => e.seq),
    chain.filter((e) => e.action === 'secret.use').map((e) => e.seq),
  );
  const wrongStart = new EventLineChecker({ startPrevHash: chain[3]!.hash, startSeq: 1 });
  assert.equal(wrongStart.line(canonicalJson(chain[0])), false);
  assert.equal(wrongStart.problem?.kind, 'chain');
});

test('deeply nested details leave the fast path and still verify', () => {
  let details: unknown = 'leaf';
  for (let i = 0; i < 100; i++) details = { d: details };
  const [event] = makeChain(2, { details: () => details }).slice(1);
  const line = canonicalJson(event);
  const bytes = Buffer.from(line);
  assert.equal(recognised(bytes), false);
  const checker = new EventLineChecker();
  assert.ok(checker.line(line), checker.problem?.message);
});
