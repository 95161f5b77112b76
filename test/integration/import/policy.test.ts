/**
 * After import: a tag-policy change, a revocation or a removed trust root disables tasks at once,
 * and `tasks.list` says why; prune removes unused bundle images from the engine (never one a
 * container uses), and importing a pruned bundle again loads it again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogBundlePort } from '../../../src/bundles/catalog';
import { writeOciLayout } from '../../../src/oci';
import { layoutEntries } from '../../../samples/tools/build-mirror';
import { bundleImage, engineSkip, importCore, KEYS, signed, TRUSTED_FP, unique, type ImportCore } from './fixture';

let work: string;
let skip: string | undefined;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'import-policy-'));
  skip = engineSkip();
});

after(() => rmSync(work, { recursive: true, force: true }));

async function importNew(c: ImportCore, name = unique(), version = '1.0.0') {
  const built = await bundleImage({ name, version });
  c.loaded.push(built.image.configDigest);
  const dir = join(work, unique('layout'));
  await writeOciLayout(dir, layoutEntries(await signed(`tests/${name}`, built)));
  const source = `oci:${dir}`;
  const ref = `tests/${name}:${version}`;
  const out = await c.op('bundles.import', { source, ref });
  return { built, out, source, ref, name };
}

async function statusOf(c: ImportCore, name: string): Promise<Record<string, { enabled: boolean; reason: string }>> {
  const listed = await c.op('tasks.list', { bundle: name });
  return Object.fromEntries(listed.tasks.map((t) => [`${t.version}/${t.id}`, { enabled: t.enabled, reason: t.reason }]));
}

describe('policy, revocation and trust changes take effect at once', () => {
  test('tag policy: allow, deny, clear', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const { name } = await importNew(c);
    let s = await statusOf(c, name);
    assert.equal(s['1.0.0/look']?.enabled, true);
    assert.equal(s['1.0.0/change']?.enabled, false);
    assert.match(
      s['1.0.0/change'].reason,
      /tag "access:read-write" matches deny pattern "access:read-write".*An admin can allow the tag "access:read-write" in the tag policy/,
    );

    await c.admin('policy.allow', { tags: ['access:read-write'] });
    s = await statusOf(c, name);
    assert.equal(s['1.0.0/change']?.enabled, true, 'allowed at once');

    await c.admin('policy.deny', { tags: ['data:*'] });
    s = await statusOf(c, name);
    assert.equal(s['1.0.0/look']?.enabled, false, 'denied at once');
    assert.match(s['1.0.0/look'].reason, /tag "data:metrics" matches deny pattern "data:\*"/);
    assert.deepEqual((await c.op('policy.show')).policy, { allow: ['access:read-write'], deny: ['data:*'] });

    await c.admin('policy.clear');
    s = await statusOf(c, name);
    assert.deepEqual([s['1.0.0/look']?.enabled, s['1.0.0/change']?.enabled], [true, false]);
    // The runner sees the same decision.
    const db = c.env.core.store.db;
    const bundle = catalogBundlePort.resolve(db, name);
    assert.deepEqual(catalogBundlePort.admit(db, bundle, bundle.codebundle.tasks[0]!), { allowed: true });
    assert.equal(catalogBundlePort.admit(db, bundle, bundle.codebundle.tasks[1]!).allowed, false);
    // Every change is audited.
    const actions = (
      db.prepare("SELECT action FROM audit_events WHERE action LIKE 'policy.%' ORDER BY seq").all() as Array<{ action: string }>
    ).map((r) => r.action);
    assert.deepEqual(actions, ['policy.allow', 'policy.deny', 'policy.clear']);
  });

  test('revocation: every task disabled with the reason; the digest cannot be imported again', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const { name, built, source, ref } = await importNew(c);
    const revoked = await c.admin('bundles.revoke', { digest: built.image.manifestDigest, reason: 'CVE-2026-0001 in the scan script' });
    assert.deepEqual(
      revoked.affected.map((b) => b.name),
      [name],
    );
    const s = await statusOf(c, name);
    for (const task of Object.values(s)) {
      assert.equal(task.enabled, false);
      assert.match(task.reason, /revoked by user:admin at .*CVE-2026-0001/);
    }
    const shown = await c.op('bundles.show', { ref: `${name}@1.0.0` });
    assert.equal(shown.bundle.state, 'revoked');
    assert.equal(shown.revocation?.reason, 'CVE-2026-0001 in the scan script');
    await assert.rejects(c.op('bundles.import', { source, ref }), { code: 'POLICY_DENIED' });
    await assert.rejects(
      c.op('bundles.revoke', { digest: built.image.manifestDigest, reason: 'x' }),
      { code: 'FORBIDDEN' },
      'operators cannot revoke',
    );
  });

  test('removing the signer from the trust roots disables its bundles; adding it back enables them', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const { name } = await importNew(c);
    const removed = await c.admin('trust.remove', { fingerprint: TRUSTED_FP.slice(0, 16) });
    assert.deepEqual(
      removed.affected.map((b) => b.name),
      [name],
    );
    const s = await statusOf(c, name);
    assert.equal(s['1.0.0/look']?.enabled, false);
    assert.match(s['1.0.0/look'].reason, /removed from the trust roots/);
    assert.equal((await c.op('bundles.show', { ref: name })).bundle.state, 'untrusted');
    assert.equal((await c.admin('trust.addKey', { pem: readFileSync(join(KEYS, 'cosign.pub'), 'utf8') })).outcome, 'restored');
    assert.equal((await statusOf(c, name))['1.0.0/look']?.enabled, true);
  });

  test('prune: superseded and revoked images leave the engine, one in use by a container stays; a pruned bundle can be loaded again', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const v1 = await importNew(c, name, '1.0.0');
    const v2 = await importNew(c, name, '1.1.0');
    const other = await importNew(c);
    await c.admin('bundles.revoke', { digest: other.built.image.manifestDigest, reason: 'withdrawn' });
    // A container (say, a finished run) still uses the revoked image.
    const container = await c.engine.createContainer({
      image: other.built.image.configDigest,
      command: ['/bin/true'],
      env: {},
      user: '65534:65534',
      workingDir: '/',
      labels: { 'io.airgap-runner.test': 'prune' },
      network: 'none',
      readOnlyRootfs: true,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges:true'],
      tmpfs: {},
      mounts: [],
      limits: { memoryBytes: 32 * 1024 * 1024, nanoCpus: 100_000_000, pids: 16, nofile: 64, nproc: 16 },
      logDriver: 'none',
    });
    t.after(() => c.engine.remove(container, { force: true }).catch(() => undefined));

    const pruned = await c.op('bundles.prune');
    assert.deepEqual(
      pruned.removed.map((r) => `${r.name}@${r.version} ${r.why}`),
      [`${name}@1.0.0 superseded by 1.1.0`],
    );
    assert.deepEqual(
      pruned.kept.map((k) => `${k.name}@${k.version} ${k.why}`),
      [`${other.name}@1.0.0 its image is used by a container`],
    );
    assert.equal(await c.engine.inspectImage(v1.built.image.configDigest), null, 'the superseded image left the engine');
    assert.equal((await c.engine.inspectImage(v2.built.image.configDigest))?.id, v2.built.image.configDigest, 'the newest stays');
    assert.equal((await c.engine.inspectImage(other.built.image.configDigest))?.id, other.built.image.configDigest, 'the one in use stays');
    const s = await statusOf(c, name);
    assert.match(s['1.0.0/look']!.reason, /removed from the engine .*import it again/);
    assert.equal(s['1.1.0/look']?.enabled, true);

    const again = await c.op('bundles.import', { source: v1.source, ref: v1.ref });
    assert.equal(again.outcome, 'reloaded');
    assert.equal(again.bundle.state, 'active');
    assert.equal((await c.engine.inspectImage(v1.built.image.configDigest))?.id, v1.built.image.configDigest);
    // Nothing left to prune but the one in use.
    await c.engine.remove(container, { force: true });
    const second = await c.op('bundles.prune');
    assert.deepEqual(second.removed.map((r) => r.name).sort(), [name, other.name].sort());
    assert.equal(await c.engine.inspectImage(other.built.image.configDigest), null);
  });
});
