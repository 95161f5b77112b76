/** Edge cases of canonical JSON and of the hash chain every export and verifier relies on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../../src/kernel';
import { checkChain, detailsHashOf, eventHash, genesisPrevHash, sealEvent, sha256Hex, type AuditEvent } from '../../../src/audit/chain';
import { makeChain, reseal, WORKSTATION } from './helpers';

test('canonical JSON sorts keys by UTF-16 code units at every depth and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  // U+FF5E sorts after U+1F600's high surrogate (0xD83D) in UTF-16 order, although its code point is lower.
  assert.equal(canonicalJson({ '\uff5e': 1, '😀': 2, Z: 3, a: 4 }), '{"Z":3,"a":4,"😀":2,"～":1}');
  assert.equal(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
});

test('canonical JSON refuses what two implementations could hash differently', () => {
  for (const value of [1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 53)]) {
    assert.throws(() => canonicalJson({ x: value }), /safe integers/);
  }
  assert.throws(() => canonicalJson({ x: 10n }), /cannot hold bigint/);
  assert.throws(() => canonicalJson([undefined]), /cannot hold undefined/);
  assert.equal(canonicalJson(-0), '0');
  assert.equal(canonicalJson(Number.MAX_SAFE_INTEGER), '9007199254740991');
});

test('canonical JSON writes strings as JSON.stringify does (escapes, lone surrogates, U+2028)', () => {
  assert.equal(canonicalJson('a"b\\c\n\u0001\u2028'), '"a\\"b\\\\c\\n\\u0001\u2028"');
  assert.equal(canonicalJson('\ud800'), '"\\ud800"');
});

test('the genesis hash binds the chain to the workstation', () => {
  assert.notEqual(genesisPrevHash('ws-a'), genesisPrevHash('ws-b'));
  const chain = makeChain(3);
  assert.equal(chain[0]!.prevHash, genesisPrevHash(WORKSTATION));
  assert.equal(checkChain(chain, genesisPrevHash('another')).ok, false);
});

test('sealEvent hashes prevHash, the canonical header and detailsHash, not the details', () => {
  const [first] = makeChain(1);
  assert.equal(first!.detailsHash, detailsHashOf(first!.details));
  assert.equal(first!.hash, eventHash(first!.prevHash, first!, first!.detailsHash));
  const header = canonicalJson({
    seq: 1,
    time: first!.time,
    mono: first!.mono,
    actor: first!.actor,
    action: first!.action,
    target: first!.target,
    outcome: first!.outcome,
  });
  const manual = sha256Hex(
    Buffer.concat([Buffer.from(first!.prevHash, 'hex'), Buffer.from(header), Buffer.from(first!.detailsHash, 'hex')]),
  );
  assert.equal(first!.hash, manual);
  // undefined details are sealed as null
  assert.equal(sealEvent(first!.prevHash, first!, undefined).detailsHash, sha256Hex('null'));
});

test('checkChain names the first bad event and the kind of damage', () => {
  const chain = makeChain(10);
  const start = genesisPrevHash(WORKSTATION);
  assert.deepEqual(checkChain(chain, start), { ok: true, count: 10, lastHash: chain[9]!.hash, lastSeq: 10 });

  const dropped = chain.filter((e) => e.seq !== 4);
  const d = checkChain(dropped, start);
  assert.ok(!d.ok && d.problem.kind === 'seq' && d.problem.seq === 5 && d.count === 3);

  const swapped = [...chain];
  [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
  const s = checkChain(swapped, start);
  assert.ok(!s.ok && s.problem.kind === 'seq' && s.problem.seq === 7);

  const edited = chain.map((e) => (e.seq === 3 ? { ...e, details: { n: 999 } } : e));
  const ed = checkChain(edited, start);
  assert.ok(!ed.ok && ed.problem.kind === 'detailsHash' && ed.problem.seq === 3);

  const retimed = chain.map((e) => (e.seq === 8 ? { ...e, actor: 'user:mallory' } : e));
  const rt = checkChain(retimed, start);
  assert.ok(!rt.ok && rt.problem.kind === 'hash' && rt.problem.seq === 8);

  const relinked = chain.map((e) => (e.seq === 9 ? { ...e, prevHash: chain[0]!.hash } : e));
  const rl = checkChain(relinked, start);
  assert.ok(!rl.ok && rl.problem.kind === 'prevHash' && rl.problem.seq === 9);
});

test('an edited event re-hashed to the end passes checkChain but ends on another hash', () => {
  const chain = makeChain(10);
  const edited = chain.map((e) => (e.seq === 5 ? { ...e, details: { n: 'rewritten' } } : e));
  const rehashed = reseal(edited, 4);
  const result = checkChain(rehashed, genesisPrevHash(WORKSTATION));
  assert.ok(result.ok);
  assert.notEqual(result.lastHash, chain[9]!.hash);
});

test('a range is checked from the previous last hash and its first seq', () => {
  const chain = makeChain(20);
  const tail = chain.slice(10);
  assert.ok(checkChain(tail, chain[9]!.hash, 11).ok);
  const wrongStart = checkChain(tail, chain[8]!.hash, 11);
  assert.ok(!wrongStart.ok && wrongStart.problem.kind === 'prevHash' && wrongStart.problem.seq === 11);
  const wrongSeq = checkChain(tail, chain[9]!.hash, 12);
  assert.ok(!wrongSeq.ok && wrongSeq.problem.kind === 'seq');
});

test('redacted events keep detailsHash: the chain still verifies, the header is still bound', () => {
  const chain = makeChain(6);
  const redacted: AuditEvent[] = chain.map((e) => (e.seq % 2 === 0 ? { ...e, details: { redacted: '[REDACTED]' }, redacted: true } : e));
  assert.ok(checkChain(redacted, genesisPrevHash(WORKSTATION)).ok);
  const tampered = redacted.map((e) => (e.seq === 4 ? { ...e, outcome: 'success' as const, actor: 'user:eve' } : e));
  const result = checkChain(tampered, genesisPrevHash(WORKSTATION));
  assert.ok(!result.ok && result.problem.kind === 'hash' && result.problem.seq === 4);
});
