/**
 * The standalone verifier as the receiving side uses it: built by scripts/build-verifier.mjs into
 * one file, copied alone into an empty folder and run with plain `node` (no tsx, no node_modules).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeChain } from '../../unit/audit/helpers';
import { entry, exportBundle, repack, replaceEntry, tempDir, testIdentity, unpack } from './bundle-tools';

const root = fileURLToPath(new URL('../../..', import.meta.url));
let dir: string;
let verifier: string;
let caPath: string;
const bundles: string[] = [];

before(async () => {
  dir = tempDir('audit-cli-');
  verifier = join(dir, 'airgap-audit-verify.mjs');
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-verifier.mjs'), '--out', verifier], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `build failed: ${build.stderr}`);
  const identity = await testIdentity('cli');
  caPath = join(dir, 'workstation.pem');
  writeFileSync(caPath, identity.certPem);
  const chain = makeChain(1200);
  const first = await exportBundle({ dir, name: 'a.tar.gz', events: chain.slice(0, 700), identity, exportId: 'a' });
  await exportBundle({
    dir,
    name: 'b.tar.gz',
    events: chain.slice(700),
    identity,
    exportId: 'b',
    previousExportId: 'a',
    firstPrevHash: first.manifest.lastHash,
  });
  bundles.push(join(dir, 'a.tar.gz'), join(dir, 'b.tar.gz'));
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // An empty environment beyond PATH: no NODE_OPTIONS, no tsx loader.
  const result = spawnSync(process.execPath, [verifier, ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('the built verifier is one file importing only node: builtins', () => {
  const text = readFileSync(verifier, 'utf8');
  assert.match(text, /^#!\/usr\/bin\/env node/);
  const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
  assert.ok(imports.length > 0);
  assert.deepEqual(
    imports.filter((i) => !i.startsWith('node:')),
    [],
  );
  assert.doesNotMatch(text, /node-forge|better-sqlite3|require\("/);
});

test('exit 0 and a readable report when every bundle verifies', () => {
  const result = run([...bundles, '--ca', caPath]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^verified {2}.*a\.tar\.gz {2}export a {2}events 1 to 700 \(700\)$/m);
  assert.match(result.stdout, /trusted through --ca/);
  assert.match(result.stdout, /continuity linked: export b \(events 701 to 1200\) continues export a/);
  assert.equal(result.stderr, '');
  const oneThread = run([...bundles, '--ca', caPath, '--threads', '0', '--json']);
  assert.equal(oneThread.status, 0, oneThread.stderr);
  const withoutCa = run([bundles[1]!]);
  assert.equal(withoutCa.status, 0);
  assert.match(withoutCa.stdout, /compare this fingerprint/);
});

test('--json prints the full report', () => {
  const result = run([...bundles, '--json']);
  assert.equal(result.status, 0);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    bundles: Array<{ exportId: string; problems: unknown[] }>;
    continuity: Array<{ kind: string }>;
  };
  assert.equal(report.ok, true);
  assert.deepEqual(
    report.bundles.map((b) => b.exportId),
    ['a', 'b'],
  );
  assert.deepEqual(
    report.continuity.map((c) => c.kind),
    ['linked'],
  );
});

test('exit 1 with the first problem on stderr when verification fails', () => {
  const entries = unpack(bundles[0]!);
  const events = entry(entries, 'events.jsonl');
  const tampered = join(dir, 'tampered.tar.gz');
  repack(replaceEntry(entries, 'events.jsonl', Buffer.from(events.toString().replace('"user:alice"', '"user:mallo"'))), tampered);
  const result = run([tampered, bundles[1]!]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^error VERIFY_FAILED: .*tampered\.tar\.gz: events\.jsonl does not match its SHA-256 in the manifest/);
  assert.match(result.stdout, /^FAILED/m);
  assert.match(result.stdout, /problem chain: event \d+ was altered \(hash mismatch\)/);
  const reordered = run([bundles[1]!, bundles[0]!, '--ca', caPath]);
  assert.equal(reordered.status, 0, 'the order of the arguments does not matter');
});

test('exit 2 for usage errors', () => {
  for (const args of [
    [],
    ['--emit', 'ocsf', bundles[0]!],
    ['--emit', 'xml', '--out', 'x', bundles[0]!],
    ['--ca', join(dir, 'nope.pem'), bundles[0]!],
    ['--bogus', bundles[0]!],
    ['--threads', 'many', bundles[0]!],
  ]) {
    const result = run(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^error INVALID_INPUT: /);
    assert.match(result.stderr, /Usage: airgap-audit-verify/);
  }
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: airgap-audit-verify FILE\.\.\. \[--ca CERT\]/);
});

test('--emit writes OCSF or CEF only after verification passed', () => {
  const ocsfPath = join(dir, 'events.ocsf.jsonl');
  const ocsf = run([...bundles, '--ca', caPath, '--emit', 'ocsf', '--out', ocsfPath]);
  assert.equal(ocsf.status, 0, ocsf.stderr);
  const records = readFileSync(ocsfPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(records.length, 1200);
  const second = records[1] as {
    class_uid: number;
    category_uid: number;
    type_uid: number;
    activity_id: number;
    metadata: { uid: string; version: string };
    api: { operation: string };
    time: number;
  };
  assert.equal(second.class_uid, 6003);
  assert.equal(second.category_uid, 6);
  assert.equal(second.type_uid, 600300 + second.activity_id);
  assert.equal(second.metadata.version, '1.1.0');
  assert.match(second.metadata.uid, /:2$/);
  assert.equal(typeof second.time, 'number');

  const cefPath = join(dir, 'events.cef');
  const cef = run([...bundles, '--emit', 'cef', '--out', cefPath]);
  assert.equal(cef.status, 0, cef.stderr);
  const lines = readFileSync(cefPath, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1200);
  assert.match(
    lines[0]!,
    /^CEF:0\|Airgap Runner\|Airgap Runner\|[^|]+\|audit\.genesis\|audit\.genesis success\|1\|rt=\d+ suser=system act=audit\.genesis /,
  );

  const refused = join(dir, 'refused.cef');
  const bad = run([bundles[1]!, join(dir, 'tampered.tar.gz'), '--emit', 'cef', '--out', refused]);
  assert.equal(bad.status, 1);
  assert.equal(existsSync(refused), false, 'nothing is emitted when verification fails');
  const again = run([...bundles, '--emit', 'cef', '--out', cefPath]);
  assert.equal(again.status, 2, 'an existing output file is not overwritten');
  assert.match(again.stderr, /^error CONFLICT: /);
});
