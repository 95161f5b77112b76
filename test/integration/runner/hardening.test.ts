/**
 * A running task container, inspected on the real engine: every hardening setting of ARCHITECTURE.md.
 * In the same run, a canary secret: readable by the task from its 0444 file (it prints the file's
 * SHA-256), yet absent from the container's environment, the engine's data and exec folders (grep),
 * the stored log, the run record, the audit trail and error texts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LABELS } from '../../../src/runner';
import { listSecretFolders, secretRoot } from '../../../src/vault/mount';
import { rejects } from '../../helpers/core';
import { dockerSkip, fixtureBundleDir, mirrorOf, rawDocker, runnerCore, unique, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('rth');
/** The same fixture in an image that declares user 1000 with group 42 (`shadow` on Debian). */
const SHADOW = unique('rth-shadow');
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([
    fixtureBundleDir(FIXTURE, unique('rthnet')),
    { dir: fixtureBundleDir(SHADOW, unique('rthnet')), user: '1000:42' },
  ]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (!skip) await c.cleanup();
});

/** grep -r for a fixed string; the files that contain it (devices, FIFOs and sockets skipped). */
function grepTree(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  const r = spawnSync('grep', ['-rlF', '-D', 'skip', '--', needle, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `grep failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

describe('hardening and secrets on the real engine', { skip }, () => {
  test('an image that declares a privileged group (1000:42, shadow) runs as its user with the fixed unprivileged group', async () => {
    const run = await c.run({ bundle: SHADOW, task: 'whoami' });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    const text = (await c.op1('runs.logs', { id: run.id })).lines.map((l) => l.text);
    assert.ok(text.includes('id: uid=1000 gid=65534 groups=65534'), text.join('\n'));
    assert.equal(run.sandbox?.user, '1000:65534', 'the run record says which user and group');
  });

  test('every hardening setting on a running container; a canary secret read from its file and found nowhere else', async () => {
    const canary = `CANARY-${randomBytes(12).toString('hex')}`;
    const canaryB64 = Buffer.from(canary).toString('base64');
    await c.op1('vault.add', { name: 'canary', value: canaryB64 });
    const refusal = await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'canary' }), 'POLICY_DENIED');
    await rejects(c.op1('vault.add', { name: 'canary', value: canaryB64 }), 'CONFLICT');
    await c.op1('vault.bind', { name: 'canary', bundles: [FIXTURE] });
    const picked = join(mkdtempSync(join(tmpdir(), 'runner-file-')), 'picked.txt');
    writeFileSync(picked, 'first line of the picked file\n');

    const { id } = await c.op1('runs.start', { bundle: FIXTURE, task: 'canary', values: { HOLD: '30' }, files: { LOG: picked } });
    const runner = c.env.core.runner.current()!;
    await until(async () => (await c.op1('runs.logs', { id })).lines.some((l) => l.text.startsWith('file: ')), 30_000, 'the task to print');
    const [summary] = await c.engine.listContainers({ label: `${LABELS.runId}=${id}` });
    assert.ok(summary, 'the container is labelled with the run id');
    const info = await rawDocker().getContainer(summary.id).inspect();
    const run = await c.op1('runs.show', { id });

    // --- every hardening setting ---
    const hc = info.HostConfig;
    assert.equal(info.State.Running, true);
    assert.equal(info.Config.Image, run.imageId, 'run by image id, never a tag');
    assert.equal(info.Image, run.imageId);
    assert.equal(hc.NetworkMode, 'none');
    assert.equal((info.Config as { NetworkDisabled?: boolean }).NetworkDisabled, true);
    assert.equal(hc.ReadonlyRootfs, true);
    assert.deepEqual(hc.CapDrop, ['ALL']);
    assert.ok(!hc.CapAdd || hc.CapAdd.length === 0);
    assert.deepEqual(hc.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(hc.Privileged, false);
    assert.equal(hc.PidsLimit, 24);
    assert.equal(hc.Memory, 48 * 1024 * 1024);
    assert.equal(hc.MemorySwap, 48 * 1024 * 1024);
    assert.equal(hc.NanoCpus, 500_000_000);
    assert.deepEqual((hc.Ulimits ?? []).map((u) => [u.Name, u.Soft, u.Hard]).sort(), [
      ['nofile', 1024, 1024],
      ['nproc', 512, 512],
    ]);
    assert.deepEqual(Object.keys(hc.Tmpfs ?? {}), ['/tmp']);
    assert.match(hc.Tmpfs!['/tmp']!, /noexec/);
    assert.equal(hc.LogConfig?.Type, 'none');
    assert.equal(hc.RestartPolicy?.Name, 'no');
    assert.equal(info.Config.User, '65534:65534');
    assert.equal(info.Config.WorkingDir, '/codebundle');
    assert.deepEqual(info.Config.Entrypoint, ['/bin/sh']);
    assert.deepEqual(info.Config.Cmd, ['/codebundle/canary.sh']);
    assert.equal(info.Config.Tty, false);
    assert.equal(info.Config.OpenStdin, false);
    const labels = info.Config.Labels;
    assert.equal(labels[LABELS.runId], id);
    assert.equal(labels[LABELS.instanceId], runner.instanceId);
    assert.equal(labels[LABELS.workstation], c.env.core.store.workstationId);
    const deadline = Date.parse(labels[LABELS.deadline]!);
    assert.ok(Math.abs(deadline - (Date.parse(run.startedAt!) + 120_000)) < 5000, 'deadline = start + timeout');
    const mounts = Object.fromEntries(info.Mounts.map((m) => [m.Destination, m]));
    assert.deepEqual(Object.keys(mounts).sort(), ['/airgap/files/LOG', '/airgap/output', '/airgap/secrets']);
    assert.equal(mounts['/airgap/secrets']!.RW, false);
    assert.equal(mounts['/airgap/files/LOG']!.RW, false);
    assert.equal(mounts['/airgap/output']!.RW, true);
    const secretsDir = mounts['/airgap/secrets']!.Source;
    assert.match(secretsDir, /^\/dev\/shm\/airgap-runner-\d+\//, 'secrets on tmpfs');
    assert.equal(statSync(dirname(secretsDir)).mode & 0o777, 0o700, 'host parent 0700');
    assert.equal(statSync(join(secretsDir, 'canary')).mode & 0o777, 0o444, 'secret file 0444');
    assert.equal(run.sandbox?.secrets, 'tmpfs');

    // --- what the task itself saw ---
    const text = (await c.op1('runs.logs', { id })).lines.map((l) => l.text);
    assert.ok(text.includes('id: uid=65534 gid=65534 groups=65534'), text.join('\n'));
    assert.ok(
      text.some((l) => /^CapEff:\s+0+$/.test(l)),
      'no effective capabilities',
    );
    assert.ok(
      text.some((l) => /^CapBnd:\s+0+$/.test(l)),
      'empty bounding set',
    );
    assert.ok(text.some((l) => /^NoNewPrivs:\s+1$/.test(l)));
    assert.ok(text.includes(`sha256: ${createHash('sha256').update(canary).digest('hex')}`), 'the task read the canary from its file');
    assert.ok(text.includes('the secret is [MASKED]'));
    assert.ok(text.includes('and to stderr: [MASKED]'));
    assert.ok(text.includes('rootfs: read-only'));
    assert.ok(text.includes('tmp: writable'));
    assert.ok(text.includes('file: first line of the picked file'));
    assert.ok(text.includes('file: read-only'));

    // --- the canary is nowhere but its file, while the container runs ---
    assert.ok(!JSON.stringify(info.Config.Env).includes(canary), 'not in the container environment');
    const dataRoot = String(((await rawDocker().info()) as { DockerRootDir: string }).DockerRootDir);
    const execRoot = join(dirname(dataRoot), 'exec');
    assert.ok(
      grepTree(dataRoot, `name: ${FIXTURE}`).length > 0,
      'the grep does see the engine data (the image layer holds codebundle.yaml)',
    );
    assert.ok(grepTree(execRoot, id).length + grepTree(dataRoot, id).length > 0, "the grep does see the container's own files");
    assert.deepEqual(grepTree(dataRoot, canary), [], `not in the engine's data folder ${dataRoot}`);
    assert.deepEqual(grepTree(execRoot, canary), [], `not in the engine's exec folder ${execRoot}`);
    assert.deepEqual(grepTree(dataRoot, canaryB64), []);

    await c.op1('runs.cancel', { id });
    await runner.waitFor(id);
    const done = await c.op1('runs.show', { id });
    assert.equal(done.outcome, 'cancelled');
    const issue = done.issueList[0];
    assert.equal(issue?.title, 'Secret delivered: [MASKED]');

    // --- and after: record, log, audit trail, errors, the store as a whole, the engine again ---
    const logs = JSON.stringify(await c.op1('runs.logs', { id, limit: 10_000 }));
    assert.ok(!logs.includes(canary) && !logs.includes(canaryB64), 'not in the stored log');
    assert.ok(!JSON.stringify(done).includes(canary), 'not in the run record');
    assert.ok(!refusal.includes(canary) && !refusal.includes(canaryB64), 'not in error text');
    const db = c.env.core.store.db;
    for (const table of ['runs', 'run_logs', 'audit_events', 'vault_items', 'vault_bindings']) {
      const dump = JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
      assert.ok(!dump.includes(canary) && !dump.includes(canaryB64), `not in the table ${table}`);
    }
    const use = db.prepare("SELECT details FROM audit_events WHERE action = 'runs.secretUse' AND target = ?").get(`run:${id}`) as {
      details: string;
    };
    assert.deepEqual(JSON.parse(use.details).secrets, { canary: 'canary' }, 'secret use recorded by name');
    assert.deepEqual(grepTree(dataRoot, canary), []);
    assert.deepEqual(grepTree(execRoot, canary), []);
    assert.equal(existsSync(secretsDir), false, 'the secret folder was removed');
    assert.deepEqual(
      listSecretFolders(secretRoot({ workstationId: c.env.core.store.workstationId, home: c.env.home, allowDisk: false })),
      [],
    );
    assert.equal((await c.engine.listContainers({ label: `${LABELS.runId}=${id}` })).length, 0, 'the container was removed');
  });
});
