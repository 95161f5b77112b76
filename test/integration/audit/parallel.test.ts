/**
 * Checking events.jsonl on worker threads must report exactly what the single-threaded check
 * reports, for sound bundles and for every kind of damage (the parallel pass falls back to the
 * line-by-line check whenever anything is wrong).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyBundles, type VerifyReport } from '../../../src/audit/verify';
import { makeChain, reseal } from '../../unit/audit/helpers';
import { entry, eventsOf, exportBundle, forgeManifest, jsonl, repack, replaceEntry, tempDir, testIdentity, unpack } from './bundle-tools';

let workers: { script: string; count: number };
let dir: string;
const cases: Record<string, string[]> = {};

before(async () => {
  dir = tempDir('audit-parallel-');
  // The built verifier is the worker script (plain JavaScript, as on the receiving side).
  const script = join(dir, 'airgap-audit-verify.mjs');
  const build = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('../../../scripts/build-verifier.mjs', import.meta.url)), '--out', script],
    { encoding: 'utf8' },
  );
  assert.equal(build.status, 0, build.stderr);
  workers = { script, count: 2 };
  const identity = await testIdentity('parallel');
  // About 6 MiB of events.jsonl: several 1 MiB blocks per bundle.
  const chain = makeChain(16_000);
  const first = await exportBundle({ dir, name: 'p1.tar.gz', events: chain.slice(0, 12_000), identity, exportId: 'p1' });
  await exportBundle({
    dir,
    name: 'p2.tar.gz',
    events: chain.slice(12_000),
    identity,
    exportId: 'p2',
    previousExportId: 'p1',
    firstPrevHash: first.manifest.lastHash,
  });
  const p1 = join(dir, 'p1.tar.gz');
  const p2 = join(dir, 'p2.tar.gz');
  const entries = unpack(p1);
  const events = eventsOf(entries);
  const variant = (name: string, changed: ReturnType<typeof unpack>): string => {
    const path = join(dir, `${name}.tar.gz`);
    repack(changed, path);
    return path;
  };
  const edited = events.map((e) => (e.seq === 9000 ? { ...e, details: { n: 'edited' } } : e));
  cases.sound = [p1, p2];
  cases.dropped = [variant('dropped', replaceEntry(entries, 'events.jsonl', jsonl(events.filter((e) => e.seq !== 7000))))];
  cases.swappedAcrossBlocks = [
    variant(
      'swapped',
      replaceEntry(entries, 'events.jsonl', jsonl([...events.slice(0, 2199), events[2200]!, events[2199]!, ...events.slice(2201)])),
    ),
  ];
  cases.edited = [variant('edited', replaceEntry(entries, 'events.jsonl', jsonl(edited)))];
  cases.rehashed = [variant('rehashed', forgeManifest(replaceEntry(entries, 'events.jsonl', jsonl(reseal(edited, 8999)))))];
  cases.noFinalNewline = [variant('cut', replaceEntry(entries, 'events.jsonl', entry(entries, 'events.jsonl').subarray(0, -1)))];
  cases.gap = [p2, variant('only-first-half', forgeManifest(replaceEntry(entries, 'events.jsonl', jsonl(events.slice(0, 6000)))))];
});

function comparable(report: VerifyReport): unknown {
  return JSON.parse(JSON.stringify(report)) as unknown;
}

test('a worker script that cannot start falls back to one thread', async () => {
  const broken = await verifyBundles(cases.sound!, { workers: { script: join(dir, 'missing.mjs'), count: 2 } });
  assert.equal(broken.ok, true, broken.firstProblem ?? '');
});

test('worker threads and one thread reach identical reports, sound or damaged', async () => {
  for (const [name, paths] of Object.entries(cases)) {
    const single = await verifyBundles(paths);
    const parallel = await verifyBundles(paths, { workers });
    assert.deepEqual(comparable(parallel), comparable(single), name);
    assert.equal(single.ok, name === 'sound', `${name}: ${single.firstProblem ?? 'ok'}`);
  }
});
