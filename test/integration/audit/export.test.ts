/** The export writer: atomic (nothing that looks complete after a failure or an abort), streaming, checked input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../../src/kernel';
import { genesisPrevHash, type AuditEvent } from '../../../src/audit/chain';
import { writeExportBundle, type ExportProgress, type WriteExportOptions } from '../../../src/audit/export-bundle';
import { verifyBundles } from '../../../src/audit/verify';
import { makeChain, WORKSTATION } from '../../unit/audit/helpers';
import { tempDir, testIdentity, unpack } from './bundle-tools';

const chain = makeChain(30_000);

async function options(
  dir: string,
  events: WriteExportOptions['events'],
  extra: Partial<WriteExportOptions> = {},
): Promise<WriteExportOptions> {
  return {
    events,
    outPath: join(dir, 'out.tar.gz'),
    identity: await testIdentity('export'),
    exportId: 'x-1',
    previousExportId: null,
    firstPrevHash: genesisPrevHash(WORKSTATION),
    workstationId: WORKSTATION,
    createdAt: new Date(),
    ...extra,
  };
}

function assertEmpty(dir: string, keep: string[] = []): void {
  assert.deepEqual(
    readdirSync(dir).filter((name) => !keep.includes(name)),
    [],
    'nothing may be left behind, not even a partial file',
  );
}

function isCode(code: string, pattern?: RegExp) {
  return (error: unknown): boolean => error instanceof ApiError && error.code === code && (!pattern || pattern.test(error.message));
}

test('a multi-member export of 30k events streams, reports progress, verifies and reads with gzip and tar', async () => {
  const dir = tempDir('audit-export-');
  const progress: ExportProgress[] = [];
  async function* source(): AsyncGenerator<AuditEvent> {
    for (const event of chain) yield event;
  }
  const result = await writeExportBundle(await options(dir, source(), { onProgress: (p) => progress.push(p) }));
  assert.deepEqual(result.manifest.range, { firstSeq: 1, lastSeq: 30_000, count: 30_000 });
  assert.equal(result.manifest.lastHash, chain[29_999]!.hash);
  assert.ok(result.manifest.files.find((f) => f.name === 'events.jsonl')!.size > 8 * 1024 * 1024, 'more than two 4 MiB gzip members');
  assert.deepEqual(
    progress.filter((p) => p.phase === 'events').map((p) => p.events),
    [10_000, 20_000, 30_000],
  );
  assert.deepEqual(
    progress.slice(-2).map((p) => p.phase),
    ['signing', 'done'],
  );
  assertEmpty(dir, ['out.tar.gz']);
  assert.deepEqual(
    unpack(result.path).map((e) => e.name),
    ['README.txt', 'events.jsonl', 'manifest.json', 'manifest.json.p7s'],
  );
  const report = await verifyBundles([result.path]);
  assert.equal(report.ok, true, report.firstProblem ?? '');
  const tar = ['/usr/bin/tar', '/bin/tar'].find((p) => existsSync(p));
  if (tar) {
    const listing = spawnSync(tar, ['-tzvf', result.path], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /events\.jsonl/);
  }
  const readme = unpack(result.path)
    .find((e) => e.name === 'README.txt')!
    .data.toString();
  assert.match(readme, /openssl cms -verify -binary -inform DER -in manifest\.json\.p7s -content manifest\.json/);
  assert.match(readme, new RegExp(result.manifest.signer.fingerprint));
});

test('an abort midway leaves nothing behind', async () => {
  const dir = tempDir('audit-export-abort-');
  const controller = new AbortController();
  function* source(): Generator<AuditEvent> {
    for (const event of chain) {
      if (event.seq === 15_000) controller.abort(new Error('cancelled by the auditor'));
      yield event;
    }
  }
  await assert.rejects(writeExportBundle(await options(dir, source(), { signal: controller.signal })), /cancelled by the auditor/);
  assertEmpty(dir);
});

test('a failing event source leaves nothing behind', async () => {
  const dir = tempDir('audit-export-fail-');
  async function* source(): AsyncGenerator<AuditEvent> {
    for (const event of chain) {
      if (event.seq === 12_345) throw new Error('database is locked');
      yield event;
    }
  }
  await assert.rejects(writeExportBundle(await options(dir, source())), /database is locked/);
  assertEmpty(dir);
});

test('events that do not form a chain from firstPrevHash are refused before anything is kept', async () => {
  const dir = tempDir('audit-export-chain-');
  const broken = chain.slice(0, 100).map((e) => (e.seq === 40 ? { ...e, prevHash: chain[10]!.hash } : e));
  await assert.rejects(writeExportBundle(await options(dir, broken)), isCode('VERIFY_FAILED', /Event 40 does not link to event 39/));
  const gap = chain.slice(0, 100).filter((e) => e.seq !== 60);
  await assert.rejects(writeExportBundle(await options(dir, gap)), isCode('VERIFY_FAILED', /event 61 follows event 59/));
  await assert.rejects(
    writeExportBundle(await options(dir, chain.slice(100, 200))),
    isCode('VERIFY_FAILED', /does not continue the previous export/),
  );
  assertEmpty(dir);
});

test('bad requests are refused with messages that say what to do', async () => {
  const dir = tempDir('audit-export-input-');
  await assert.rejects(writeExportBundle(await options(dir, [])), isCode('INVALID_INPUT', /no events to export/));
  assertEmpty(dir);
  writeFileSync(join(dir, 'out.tar.gz'), 'an older export');
  await assert.rejects(writeExportBundle(await options(dir, chain.slice(0, 10))), isCode('CONFLICT', /already exists/));
  assert.equal(readFileSync(join(dir, 'out.tar.gz'), 'utf8'), 'an older export');
  await assert.rejects(
    writeExportBundle(await options(dir, chain.slice(0, 10), { outPath: join(dir, 'missing', 'x.tar.gz') })),
    isCode('INVALID_INPUT', /folder exists/),
  );
  await assert.rejects(
    writeExportBundle(await options(dir, chain.slice(0, 10), { exportId: '../evil' })),
    isCode('INVALID_INPUT', /export id/),
  );
  const other = await testIdentity('someone-else');
  const mismatched = { certPem: (await testIdentity('export')).certPem, keyPem: other.keyPem };
  await assert.rejects(
    writeExportBundle(await options(dir, chain.slice(0, 10), { outPath: join(dir, 'y.tar.gz'), identity: mismatched })),
    isCode('INVALID_INPUT', /does not belong/),
  );
  assertEmpty(dir, ['out.tar.gz']);
});
