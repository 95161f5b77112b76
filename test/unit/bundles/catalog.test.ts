/**
 * The catalog on a real (encrypted) store: one name@version -> one image, task status decided now
 * from policy, revocations, trust roots and the signature setting, the runner's port, prune candidates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bundleByDigest,
  catalogBundlePort,
  findBundle,
  insertBundle,
  listTasks,
  pruneCandidates,
  setImageRemoved,
} from '../../../src/bundles/catalog';
import { readPolicy, writePolicy } from '../../../src/bundles/policy-store';
import { allowTags, clearPolicy, denyTags } from '../../../src/bundles/policy';
import { revocationFor, revokeDigest } from '../../../src/bundles/revocation';
import { compareVersions } from '../../../src/bundles/semver';
import { activeTrustedKeys, addTrustKey, findTrustKey, listTrustKeys, removeTrustKey } from '../../../src/bundles/trust-roots';
import { parseTrustedKeyPem } from '../../../src/trust';
import { writeSetting } from '../../../src/store';
import { initialisedCore, signerOf } from '../../helpers/core';
import { hex, NOW, SAMPLE_FP, sampleBundle } from '../../helpers/bundles';

const keys = fileURLToPath(new URL('../../../samples/keys/', import.meta.url));

const bundle = sampleBundle;

async function catalog() {
  const env = await initialisedCore();
  const db = env.core.store.db;
  const signer = signerOf(env.core, env.admin);
  addTrustKey(db, parseTrustedKeyPem(readFileSync(`${keys}cosign.pub`)), 'sample', 'user:admin', NOW, signer);
  return { env, db, signer };
}

test('trust roots: add, add again, list, remove (by unique prefix), restore', async () => {
  const { env, db, signer } = await catalog();
  const key = parseTrustedKeyPem(readFileSync(`${keys}cosign.pub`));
  assert.equal(addTrustKey(db, key, '', 'user:admin', NOW, signer).outcome, 'already-trusted');
  assert.deepEqual(
    listTrustKeys(db).map((k) => k.fingerprint),
    [SAMPLE_FP],
  );
  assert.equal(activeTrustedKeys(db)[0]?.fingerprint, SAMPLE_FP);
  assert.throws(() => findTrustKey(db, 'abc'), { code: 'INVALID_INPUT' });
  assert.throws(() => removeTrustKey(db, 'ce12c0324305', 'user:admin', NOW, signer), { code: 'NOT_FOUND' });
  const removed = removeTrustKey(db, SAMPLE_FP.slice(0, 12).toUpperCase(), 'user:admin', NOW, signer);
  assert.equal(removed.removedBy, 'user:admin');
  assert.deepEqual(listTrustKeys(db), []);
  assert.equal(listTrustKeys(db, { includeRemoved: true }).length, 1);
  assert.throws(() => removeTrustKey(db, SAMPLE_FP, 'user:admin', NOW, signer), { code: 'NOT_FOUND' });
  assert.equal(addTrustKey(db, key, '', 'user:admin2', NOW, signer).outcome, 'restored');
  assert.equal(listTrustKeys(db)[0]?.addedBy, 'user:admin2');
  await env.cleanup();
});

test('one name@version maps to one digest: a second digest is CONFLICT; lookups by name, name@version, digest', async () => {
  const { env, db } = await catalog();
  const first = insertBundle(db, bundle('host-health', 'a'));
  assert.equal(first.name, 'host-health');
  assert.throws(
    () => insertBundle(db, bundle('host-health', 'c')),
    (e: { code?: string; message?: string }) => e.code === 'CONFLICT' && /one name@version maps to exactly one image/.test(e.message ?? ''),
  );
  assert.equal(bundleByDigest(db, hex('c')), undefined);
  const v2 = insertBundle(db, bundle('host-health', 'e', { version: '1.10.0' }));
  insertBundle(db, bundle('host-health', 'g', { version: '1.9.0' }));
  assert.equal(findBundle(db, 'host-health').version, '1.10.0', 'newest by semver, not by text');
  assert.equal(findBundle(db, 'host-health@1.0.0').digest, hex('a'));
  assert.equal(findBundle(db, hex('a')).name, 'host-health');
  assert.equal(findBundle(db, v2.imageId).version, '1.10.0', 'by image id too');
  assert.throws(() => findBundle(db, 'nope'), { code: 'NOT_FOUND' });
  await env.cleanup();
});

test('task status is decided now: policy change, revocation, trust root removal, signature setting, prune', async () => {
  const { env, db, signer } = await catalog();
  insertBundle(db, bundle('service-restart', 'a'));
  const status = () => Object.fromEntries(listTasks(db, { bundle: 'service-restart' }).map((t) => [t.id, t]));
  assert.equal(status()['restart-service']?.enabled, false, 'read-write is denied by default');
  assert.match(status()['restart-service']!.reason, /deny pattern "access:read-write"/);
  assert.equal(status()['check-service-status']?.enabled, true);

  writePolicy(db, allowTags(readPolicy(db), ['access:read-write']), 'user:admin', NOW, signer);
  assert.equal(status()['restart-service']?.enabled, true, 'allowed at once');
  writePolicy(db, denyTags(readPolicy(db), ['data:state']), 'user:admin', NOW, signer);
  assert.match(status()['check-service-status']!.reason, /data:state/);
  writePolicy(db, clearPolicy(), 'user:admin', NOW, signer);
  assert.deepEqual(readPolicy(db), { allow: [], deny: ['access:read-write'] });

  removeTrustKey(db, SAMPLE_FP, 'user:admin', NOW, signer);
  assert.match(status()['check-service-status']!.reason, /removed from the trust roots/);
  addTrustKey(db, parseTrustedKeyPem(readFileSync(`${keys}cosign.pub`)), '', 'user:admin', NOW, signer);
  assert.equal(status()['check-service-status']?.enabled, true);

  const { revocation, created } = revokeDigest(db, hex('a'), 'pulled by the publisher', 'user:admin', NOW, signer);
  assert.equal(created, true);
  assert.equal(revokeDigest(db, hex('a'), 'again', 'user:admin', NOW, signer).created, false);
  assert.deepEqual(revocationFor(db, [null, hex('a')]), revocation);
  for (const task of Object.values(status())) {
    assert.equal(task.enabled, false);
    assert.match(task.reason, /revoked by user:admin .*pulled by the publisher/);
  }
  const record = findBundle(db, 'service-restart');
  assert.deepEqual(catalogBundlePort.admit(db, catalogBundlePort.resolve(db, 'service-restart'), record.codebundle.tasks[0]!), {
    allowed: false,
    reason: status()['check-service-status']!.reason,
  });
  assert.throws(() => revokeDigest(db, 'sha256:abc', 'x', 'user:admin', NOW, signer), { code: 'INVALID_INPUT' });
  assert.throws(() => revokeDigest(db, hex('b'), '  ', 'user:admin', NOW, signer), { code: 'INVALID_INPUT' });
  await env.cleanup();
});

test('unsigned imports count only while signatures are optional; pruned images disable tasks', async () => {
  const { env, db, signer } = await catalog();
  insertBundle(db, bundle('log-scan', 'a', { signature: { format: 'none', signerFingerprint: null, signedDigest: null } }));
  assert.match(listTasks(db)[0]!.reason, /imported unsigned/);
  writeSetting(db, 'bundles.signaturesOptional', true, 'user:admin', NOW, signer);
  assert.equal(listTasks(db)[0]!.enabled, true);
  setImageRemoved(db, findBundle(db, 'log-scan').id, NOW);
  assert.match(listTasks(db)[0]!.reason, /removed from the engine/);
  await env.cleanup();
});

test("the runner's admit (which reads only the bundle's standing) decides as the catalog lists, in every state", async () => {
  const { env, db, signer } = await catalog();
  insertBundle(db, bundle('log-scan', 'a', { signature: { format: 'none', signerFingerprint: null, signedDigest: null } }));
  insertBundle(db, bundle('host-health', 'c'));
  const admitted = (name: string) => {
    const resolved = catalogBundlePort.resolve(db, name);
    return catalogBundlePort.admit(db, resolved, resolved.codebundle.tasks[0]!);
  };
  const listed = (name: string) => {
    const task = listTasks(db, { bundle: name })[0]!;
    return task.enabled ? { allowed: true } : { allowed: false, reason: task.reason };
  };
  const same = (name: string, expect: RegExp | null) => {
    const decision = admitted(name);
    assert.deepEqual(decision, listed(name));
    if (expect) assert.match((decision as { reason: string }).reason, expect);
    else assert.equal(decision.allowed, true);
  };
  same('host-health', null);
  same('log-scan', /imported unsigned/);
  writeSetting(db, 'bundles.signaturesOptional', true, 'user:admin', NOW, signer);
  same('log-scan', null);
  removeTrustKey(db, SAMPLE_FP, 'user:admin', NOW, signer);
  same('host-health', /removed from the trust roots/);
  addTrustKey(db, parseTrustedKeyPem(readFileSync(`${keys}cosign.pub`)), '', 'user:admin', NOW, signer);
  same('host-health', null);
  setImageRemoved(db, findBundle(db, 'host-health').id, NOW);
  same('host-health', /removed from the engine/);
  revokeDigest(db, hex('a'), 'pulled', 'user:admin', NOW, signer);
  same('log-scan', /revoked by user:admin/);
  const gone = { ...catalogBundlePort.resolve(db, 'log-scan'), digest: hex('f') };
  assert.deepEqual(catalogBundlePort.admit(db, gone, gone.codebundle.tasks[0]!), {
    allowed: false,
    reason: `the bundle ${gone.name}@${gone.version} is no longer in the catalog`,
  });
  await env.cleanup();
});

test('prune candidates: revoked or untrusted bundles, and versions superseded by a usable newer one', async () => {
  const { env, db, signer } = await catalog();
  insertBundle(db, bundle('host-health', 'a'));
  insertBundle(db, bundle('host-health', 'c', { version: '1.1.0' }));
  insertBundle(db, bundle('log-scan', 'e'));
  insertBundle(db, bundle('service-restart', '8'));
  revokeDigest(db, hex('8'), 'bad', 'user:admin', NOW, signer);
  const names = () =>
    pruneCandidates(db)
      .map((c) => `${c.bundle.name}@${c.bundle.version} ${c.why}`)
      .sort();
  assert.deepEqual(names(), ['host-health@1.0.0 superseded by 1.1.0', 'service-restart@1.0.0 revoked']);
  revokeDigest(db, hex('c'), 'bad too', 'user:admin', NOW, signer);
  assert.deepEqual(names(), ['host-health@1.1.0 revoked', 'service-restart@1.0.0 revoked'], 'a revoked newer version supersedes nothing');
  await env.cleanup();
});

test('semantic version precedence', () => {
  const sorted = [
    '1.0.0',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-beta.11',
    '1.0.0-beta.2',
    '1.0.0-rc.1',
    '0.9.9',
    '1.10.0',
    '1.2.0+build5',
  ].sort(compareVersions);
  assert.deepEqual(sorted, [
    '0.9.9',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.2.0+build5',
    '1.10.0',
  ]);
});
