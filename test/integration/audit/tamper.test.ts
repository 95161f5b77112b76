/**
 * The tamper suite (issue 6, "Must show"): every way of altering exported audit bundles is
 * detected, each with the right reason (the problem kind), and the first bad file or event named.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealEvent, type AuditEvent } from '../../../src/audit/chain';
import { signDetached } from '../../../src/audit/cms';
import { IDENTITY_REPLACED_ACTION, identityReplacementDetails } from '../../../src/audit/rotation';
import type { SigningIdentity } from '../../../src/audit/identity';
import type { ExportManifest } from '../../../src/audit/manifest';
import { verifyBundles, type Problem, type VerifyReport } from '../../../src/audit/verify';
import { makeChain, reseal } from '../../unit/audit/helpers';
import {
  entry,
  eventsOf,
  exportBundle,
  forgeManifest,
  jsonl,
  repack,
  replaceEntry,
  tempDir,
  testIdentity,
  unpack,
  type Entry,
} from './bundle-tools';

let dir: string;
let owner: SigningIdentity;
let attacker: SigningIdentity;
let chain: AuditEvent[];
const paths: Record<string, string> = {};

before(async () => {
  dir = tempDir('audit-tamper-');
  owner = await testIdentity('owner');
  attacker = await testIdentity('attacker');
  chain = makeChain(300);
  const e1 = await exportBundle({ dir, name: 'e1.tar.gz', events: chain.slice(0, 100), identity: owner, exportId: 'e1' });
  const e2 = await exportBundle({
    dir,
    name: 'e2.tar.gz',
    events: chain.slice(100, 200),
    identity: owner,
    exportId: 'e2',
    previousExportId: 'e1',
    firstPrevHash: e1.manifest.lastHash,
  });
  await exportBundle({
    dir,
    name: 'e3.tar.gz',
    events: chain.slice(200),
    identity: owner,
    exportId: 'e3',
    previousExportId: 'e2',
    firstPrevHash: e2.manifest.lastHash,
  });
  for (const name of ['e1', 'e2', 'e3']) paths[name] = join(dir, `${name}.tar.gz`);
});

let counter = 0;
function variant(entries: Entry[]): string {
  const path = join(dir, `variant-${++counter}.tar.gz`);
  repack(entries, path);
  return path;
}

async function verify(list: string[], caPem?: string): Promise<VerifyReport> {
  return await verifyBundles(list, caPem ? { caPem } : {});
}

function problemsOf(report: VerifyReport, index = 0): Problem[] {
  return report.bundles[index]!.problems;
}

function kinds(report: VerifyReport, index = 0): string[] {
  return problemsOf(report, index).map((p) => p.kind);
}

function flipByte(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at]! ^= 0x01;
  return copy;
}

test('untouched exports verify, alone and together, with the signer reported', async () => {
  const report = await verify([paths.e3!, paths.e1!, paths.e2!], owner.certPem);
  assert.equal(report.ok, true, report.firstProblem ?? '');
  assert.deepEqual(
    report.continuity.map((c) => [c.kind, c.from, c.to]),
    [
      ['linked', 'e1', 'e2'],
      ['linked', 'e2', 'e3'],
    ],
  );
  for (const bundle of report.bundles) {
    assert.equal(bundle.signer!.fingerprint, owner.fingerprint);
    assert.equal(bundle.signer!.trusted, true);
  }
  const alone = await verify([paths.e2!]);
  assert.equal(alone.ok, true);
  assert.equal(alone.bundles[0]!.signer!.trusted, null);
});

test('one byte flipped in events.jsonl: the file hash fails and the changed event is named', async () => {
  const entries = unpack(paths.e1!);
  const events = entry(entries, 'events.jsonl');
  const lineStart = events.indexOf(`"seq":10,`) - 1;
  const tenth = events.lastIndexOf('\n', lineStart) + 1;
  const hashAt = events.indexOf('"hash":"', tenth) + 8 + 5;
  const flipped = Buffer.from(events);
  flipped[hashAt] = flipped[hashAt] === 0x61 ? 0x62 : 0x61;
  const report = await verify([variant(replaceEntry(entries, 'events.jsonl', flipped))]);
  assert.equal(report.ok, false);
  const [first] = problemsOf(report);
  assert.equal(first!.kind, 'fileHash');
  assert.equal(first!.file, 'events.jsonl');
  const chainProblem = problemsOf(report).find((p) => p.kind === 'chain');
  assert.deepEqual([chainProblem?.chainKind, chainProblem?.seq], ['hash', 10]);
  assert.match(report.firstProblem!, /events\.jsonl does not match its SHA-256/);
});

test('one byte flipped in manifest.json: the signature fails', async () => {
  const entries = unpack(paths.e1!);
  const manifest = entry(entries, 'manifest.json');
  const report = await verify([
    variant(replaceEntry(entries, 'manifest.json', flipByte(manifest, manifest.indexOf('"createdAt":"') + 15))),
  ]);
  assert.equal(report.ok, false);
  assert.equal(kinds(report)[0], 'signature');
  assert.match(problemsOf(report)[0]!.message, /signed digest does not match/);
});

test('one byte flipped in manifest.json.p7s: the signature fails', async () => {
  const entries = unpack(paths.e1!);
  const p7s = entry(entries, 'manifest.json.p7s');
  const report = await verify([variant(replaceEntry(entries, 'manifest.json.p7s', flipByte(p7s, p7s.length - 4)))]);
  assert.deepEqual(kinds(report), ['signature']);
});

test('one byte flipped in README.txt: its hash fails, nothing else', async () => {
  const entries = unpack(paths.e1!);
  const report = await verify([variant(replaceEntry(entries, 'README.txt', flipByte(entry(entries, 'README.txt'), 40)))]);
  assert.deepEqual(kinds(report), ['fileHash']);
  assert.equal(problemsOf(report)[0]!.file, 'README.txt');
});

test('one byte flipped in the compressed archive: the archive is reported damaged', async () => {
  const path = join(dir, 'flipped-gzip.tar.gz');
  const data = readFileSync(paths.e1!);
  writeFileSync(path, flipByte(data, Math.floor(data.length / 2)));
  const report = await verify([path]);
  assert.equal(kinds(report)[0], 'archive');
});

test('an event dropped: the file size fails and the chain names the event after the gap', async () => {
  const entries = unpack(paths.e1!);
  const dropped = replaceEntry(entries, 'events.jsonl', jsonl(eventsOf(entries).filter((e) => e.seq !== 50)));
  const report = await verify([variant(dropped)]);
  assert.deepEqual(kinds(report), ['fileSize', 'chain']);
  assert.equal(problemsOf(report)[0]!.file, 'events.jsonl');
  assert.deepEqual([problemsOf(report)[1]!.chainKind, problemsOf(report)[1]!.seq], ['seq', 51]);
  // A forger who also fixes the manifest's hashes and count cannot re-sign it.
  const forged = await verify([variant(forgeManifest(dropped))]);
  assert.equal(kinds(forged)[0], 'signature');
  assert.ok(problemsOf(forged).some((p) => p.kind === 'chain' && p.seq === 51));
});

test('two events swapped: the file hash fails and the chain names the first out of place', async () => {
  const entries = unpack(paths.e1!);
  const events = eventsOf(entries);
  [events[19], events[20]] = [events[20]!, events[19]!];
  const report = await verify([variant(replaceEntry(entries, 'events.jsonl', jsonl(events)))]);
  assert.deepEqual(kinds(report), ['fileHash', 'chain']);
  const chainProblem = problemsOf(report)[1]!;
  assert.deepEqual([chainProblem.chainKind, chainProblem.seq, chainProblem.line], ['seq', 21, 20]);
});

test('an event edited and the chain re-hashed: the manifest hash, then its signature, then the signer fail', async () => {
  const entries = unpack(paths.e1!);
  const events = eventsOf(entries).map((e) => (e.seq === 30 ? { ...e, details: { n: 30, note: 'nothing happened here' } } : e));
  const rehashed = replaceEntry(entries, 'events.jsonl', jsonl(reseal(events, 29)));

  const naive = await verify([variant(rehashed)]);
  assert.deepEqual(kinds(naive), ['fileSize', 'lastHash'], 'the chain is consistent, but not the one the manifest signed');

  const forged = await verify([variant(forgeManifest(rehashed))]);
  assert.deepEqual(kinds(forged), ['signature']);

  const resigned = variant(forgeManifest(rehashed, attacker));
  const alone = await verify([resigned]);
  assert.equal(alone.ok, true, 'a fully re-signed bundle is self-consistent...');
  assert.equal(alone.bundles[0]!.signer!.fingerprint, attacker.fingerprint, '...but names the attacker as signer');
  const withCa = await verify([resigned], owner.certPem);
  assert.deepEqual(kinds(withCa), ['untrustedSigner']);
  const withNext = await verify([resigned, paths.e2!]);
  const fork = withNext.continuity.find((c) => !c.ok);
  assert.equal(fork?.kind, 'fork', 'the next export no longer continues it');
});

test('a file added: reported as extra', async () => {
  const entries = unpack(paths.e2!);
  const report = await verify([variant([...entries, { name: 'extra.sh', data: Buffer.from('#!/bin/sh\n') }])]);
  assert.deepEqual(kinds(report), ['extraFile']);
  assert.equal(problemsOf(report)[0]!.file, 'extra.sh');
});

test('a file removed: reported as missing', async () => {
  const entries = unpack(paths.e2!);
  const noReadme = await verify([variant(entries.filter((e) => e.name !== 'README.txt'))]);
  assert.deepEqual(kinds(noReadme), ['missingFile']);
  assert.equal(problemsOf(noReadme)[0]!.file, 'README.txt');
  const noSignature = await verify([variant(entries.filter((e) => e.name !== 'manifest.json.p7s'))]);
  assert.deepEqual(kinds(noSignature), ['missingFile']);
  assert.equal(problemsOf(noSignature)[0]!.file, 'manifest.json.p7s');
  const noEvents = await verify([variant(entries.filter((e) => e.name !== 'events.jsonl'))]);
  assert.deepEqual(kinds(noEvents), ['missingFile']);
});

test('the signature replaced by one from another key: refused with --ca, reported without', async () => {
  const entries = unpack(paths.e2!);
  const manifest = entry(entries, 'manifest.json');
  const replaced = variant(replaceEntry(entries, 'manifest.json.p7s', signDetached(manifest, attacker)));
  const withCa = await verify([replaced], owner.certPem);
  assert.equal(kinds(withCa)[0], 'untrustedSigner');
  const withoutCa = await verify([replaced]);
  assert.deepEqual(kinds(withoutCa), ['signerMismatch'], 'the manifest still names the owner as signer');
  assert.equal(withoutCa.bundles[0]!.signer!.fingerprint, attacker.fingerprint);

  // A forger who also rewrites the signer in the manifest: alone it is self-consistent (the
  // receiver compares the reported fingerprint); next to the previous export the change is named.
  const rewritten = variant(forgeManifest(entries, attacker));
  const pair = await verify([paths.e1!, rewritten]);
  assert.equal(
    pair.bundles.every((b) => b.ok),
    true,
  );
  assert.equal(pair.ok, false);
  const change = pair.continuity.find((c) => c.kind === 'signerChanged');
  assert.ok(change && !change.ok, JSON.stringify(pair.continuity));
  assert.match(change.message, new RegExp(attacker.fingerprint));
});

test('the archive truncated: reported as an archive that ends early', async () => {
  const data = readFileSync(paths.e3!);
  const cut = join(dir, 'truncated.tar.gz');
  writeFileSync(cut, data.subarray(0, Math.floor(data.length * 0.6)));
  const report = await verify([cut]);
  assert.deepEqual(kinds(report), ['archive']);
  assert.match(problemsOf(report)[0]!.message, /ends early/);

  // Cut at a tar boundary and re-compressed: no end-of-archive marker.
  const entries = unpack(paths.e3!);
  const noEnd = join(dir, 'no-end.tar.gz');
  repack(entries.slice(0, 2), noEnd);
  const gz = readFileSync(noEnd);
  const { gunzipSync, gzipSync } = await import('node:zlib');
  const tar = gunzipSync(gz);
  writeFileSync(noEnd, gzipSync(tar.subarray(0, tar.length - 1024)));
  assert.equal(kinds(await verify([noEnd]))[0], 'archive');
});

test('two exports with a gap between them: the missing events are named', async () => {
  const report = await verify([paths.e1!, paths.e3!]);
  assert.equal(report.ok, false);
  assert.ok(report.bundles.every((b) => b.ok));
  const gap = report.continuity.find((c) => c.kind === 'gap');
  assert.deepEqual([gap?.ok, gap?.from, gap?.to, gap?.seq], [false, 'e1', 'e3', 101]);
  assert.match(gap!.message, /events 101 to 200 are missing/);
  assert.match(report.firstProblem!, /missing/);
});

test('two exports forked from the same point (a rolled-back database exported again): the fork is named', async () => {
  // The database is restored to event 120 and new, different events follow, then exported again.
  const forkTail = makeChain(40, { startSeq: 121, prevHash: chain[119]!.hash, variant: 'rolled-back' });
  const e1 = (await verify([paths.e1!])).bundles[0]!;
  await exportBundle({
    dir,
    name: 'e2-fork.tar.gz',
    events: [...chain.slice(100, 120), ...forkTail],
    identity: owner,
    exportId: 'e2-again',
    previousExportId: 'e1',
    firstPrevHash: e1.lastHash!,
  });
  const forked = join(dir, 'e2-fork.tar.gz');
  const report = await verify([paths.e1!, paths.e2!, forked], owner.certPem);
  assert.ok(
    report.bundles.every((b) => b.ok),
    'each bundle is sound on its own',
  );
  assert.equal(report.ok, false);
  const fork = report.continuity.find((c) => c.kind === 'fork');
  assert.deepEqual([fork?.ok, [fork?.from, fork?.to].sort(), fork?.seq], [false, ['e2', 'e2-again'], 121]);
  assert.match(fork!.message, /different histories from event 121 on/);

  // Rolled back behind the previous export: the re-export of events 1.. diverges at event 81.
  const rolled = [...chain.slice(0, 80), ...makeChain(40, { startSeq: 81, prevHash: chain[79]!.hash, variant: 'b' })];
  await exportBundle({ dir, name: 'e1-again.tar.gz', events: rolled, identity: owner, exportId: 'e1-again' });
  const back = await verify([paths.e1!, join(dir, 'e1-again.tar.gz')]);
  const early = back.continuity.find((c) => c.kind === 'fork');
  assert.deepEqual([early?.seq, early?.ok], [81, false]);
});

test('the same export twice, and a consistent re-export, are not failures', async () => {
  const copy = join(dir, 'e2-copy.tar.gz');
  copyFileSync(paths.e2!, copy);
  const report = await verify([paths.e1!, paths.e2!, copy]);
  assert.equal(report.ok, true, report.firstProblem ?? '');
  assert.ok(report.continuity.some((c) => c.kind === 'duplicate'));
});

test('an export naming the wrong previous export is reported even though the chain links', async () => {
  const e1 = (await verify([paths.e1!])).bundles[0]!;
  await exportBundle({
    dir,
    name: 'e2-renamed.tar.gz',
    events: chain.slice(100, 200),
    identity: owner,
    exportId: 'e2b',
    previousExportId: 'e0',
    firstPrevHash: e1.lastHash!,
  });
  const report = await verify([paths.e1!, join(dir, 'e2-renamed.tar.gz')]);
  const finding = report.continuity.find((c) => c.kind === 'previousExport');
  assert.ok(finding && !finding.ok);
});

test('a redacted export still verifies, and keeps the original detailsHash', async () => {
  const redaction = {
    ruleSet: 'site-default',
    version: '3',
    apply(details: unknown) {
      const record = details as Record<string, unknown> | null;
      if (!record || typeof record.note !== 'string' || record.note === 'plain') return { details, replacements: 0 };
      return { details: { ...record, note: '[REDACTED]' }, replacements: 1 };
    },
  };
  // The same range as e1, exported with redaction (e.g. for a recipient who may not see the details).
  const result = await exportBundle({
    dir,
    name: 'redacted.tar.gz',
    events: chain.slice(0, 100),
    identity: owner,
    exportId: 'e1',
    redaction,
  });
  assert.deepEqual(result.manifest.redaction, { ruleSet: 'site-default', version: '3', replacements: 14, events: 14 });
  const report = await verify([join(dir, 'redacted.tar.gz')], owner.certPem);
  assert.equal(report.ok, true, report.firstProblem ?? '');
  const exported = eventsOf(unpack(join(dir, 'redacted.tar.gz')));
  const seventh = exported.find((e) => e.seq === 7)!;
  assert.equal(seventh.redacted, true);
  assert.deepEqual(seventh.details, { ...(chain[6]!.details as object), note: '[REDACTED]' });
  assert.equal(seventh.detailsHash, chain[6]!.detailsHash);
  assert.equal(seventh.hash, chain[6]!.hash);
  assert.equal(exported.find((e) => e.seq === 8)!.redacted, undefined);
  // The redacted bundle continues into the unredacted next export like the original.
  assert.equal((await verify([join(dir, 'redacted.tar.gz'), paths.e2!])).ok, true);
  // Marking an event redacted without declaring it is caught.
  const entries = unpack(paths.e1!);
  const marked = eventsOf(entries).map((e) => (e.seq === 9 ? { ...e, details: {}, redacted: true } : e));
  const sneaky = await verify([variant(forgeManifest(replaceEntry(entries, 'events.jsonl', jsonl(marked)), attacker))]);
  assert.deepEqual(kinds(sneaky), ['redaction']);
});

test('a signer change endorsed by the old identity inside the chain is accepted', async () => {
  const successor = await testIdentity('successor', 'rsa');
  const head = chain.slice(0, 200);
  const rotation = sealEvent(
    head[199]!.hash,
    {
      seq: 201,
      time: new Date(Date.UTC(2025, 5, 1)).toISOString(),
      mono: Date.UTC(2025, 5, 1),
      actor: 'user:auditor',
      action: IDENTITY_REPLACED_ACTION,
      target: 'audit-identity',
      outcome: 'success',
    },
    identityReplacementDetails(successor.certPem, owner),
  );
  const tail = makeChain(50, { startSeq: 202, prevHash: rotation.hash });
  const e1 = await exportBundle({ dir, name: 'r-e1.tar.gz', events: head.slice(0, 100), identity: owner, exportId: 'r-e1' });
  const e2 = await exportBundle({
    dir,
    name: 'r-e2.tar.gz',
    events: [...head.slice(100), rotation],
    identity: owner,
    exportId: 'r-e2',
    previousExportId: 'r-e1',
    firstPrevHash: e1.manifest.lastHash,
  });
  await exportBundle({
    dir,
    name: 'r-e3.tar.gz',
    events: tail,
    identity: successor,
    exportId: 'r-e3',
    previousExportId: 'r-e2',
    firstPrevHash: e2.manifest.lastHash,
  });
  const report = await verify(['r-e1', 'r-e2', 'r-e3'].map((n) => join(dir, `${n}.tar.gz`)));
  assert.equal(report.ok, true, report.firstProblem ?? '');
  assert.ok(report.continuity.some((c) => c.kind === 'signerRotated' && c.ok));
});

test('the verifier names its input file when it cannot be read', async () => {
  const report = await verify([join(dir, 'does-not-exist.tar.gz')]);
  assert.equal(kinds(report)[0], 'archive');
  assert.match(report.firstProblem!, /does-not-exist\.tar\.gz: the file does not exist/);
  assert.ok(statSync(paths.e1!).size > 0);
});

test('manifest inconsistencies are reported as such', async () => {
  const entries = unpack(paths.e1!);
  const manifest = JSON.parse(entry(entries, 'manifest.json').toString()) as ExportManifest;
  const odd = Buffer.from(JSON.stringify({ ...manifest, extra: 1 }));
  const report = await verify([
    variant(replaceEntry(replaceEntry(entries, 'manifest.json', odd), 'manifest.json.p7s', signDetached(odd, owner))),
  ]);
  assert.deepEqual(kinds(report), ['manifest']);
  assert.match(problemsOf(report)[0]!.message, /unknown field "extra"/);
});
