/** The runner's control flow through the API, on a fake engine: outcomes, approvals, cancel, refusals, secrets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listSecretFolders, secretRoot } from '../../../src/vault/mount';
import { rejects } from '../../helpers/core';
import { ApiError } from '../../../src/kernel';
import { IMAGE, runnerEnv } from './runner-env';

async function finished(env: Awaited<ReturnType<typeof runnerEnv>>, id: string) {
  await env.core.runner.waitFor(id);
  return await env.op1('runs.show', { id });
}

function events(env: Awaited<ReturnType<typeof runnerEnv>>, action: string) {
  return env.core.store.db
    .prepare('SELECT actor, target, outcome, details FROM audit_events WHERE action = ? ORDER BY seq')
    .all(action) as Array<{
    actor: string;
    target: string;
    outcome: string;
    details: string;
  }>;
}

test('success: output stored with timestamps, issues and report read, sandbox recorded, container removed, audit events', async () => {
  const env = await runnerEnv(() => ({
    stdout: 'hello\n\u001b[31mred\u001b[0m\n',
    stderr: 'warn\n',
    files: { 'issues.jsonl': '{"severity":2,"title":"Disk full"}\nnot json\n', 'report.jsonl': '{"obj":"all good","fmt":"p"}\n' },
    exitCode: 0,
  }));
  const { id, state } = await env.op1('runs.start', { bundle: 'svc', task: 'check' });
  assert.equal(state, 'queued');
  const run = await finished(env, id);
  assert.equal(run.outcome, 'succeeded');
  assert.equal(run.exitCode, 0);
  assert.equal(run.startedBy, 'op1');
  assert.deepEqual(run.bundle, { name: 'svc', version: '1.0.0', digest: `sha256:${'d'.repeat(64)}` });
  assert.equal(run.issueList[0]?.title, 'Disk full');
  assert.equal(run.report[0]?.obj, 'all good');
  assert.match(run.warnings.join('\n'), /issues\.jsonl line 2/);
  assert.equal(run.sandbox?.network, 'none');
  assert.equal(run.sandbox?.user, '65534:65534');
  assert.equal(run.sandbox?.engine, 'Docker');
  assert.ok(run.startedAt && run.endedAt);
  const logs = await env.viewer('runs.logs', { id });
  assert.deepEqual(
    logs.lines.map((l) => [l.stream, l.text]),
    [
      ['stdout', 'hello'],
      ['stdout', '␛[31mred␛[0m'],
      ['stderr', 'warn'],
    ],
  );
  assert.ok(logs.finished);
  assert.equal(env.engine.containers.size, 0, 'the container was removed');
  assert.equal(existsSync(join(env.home, 'runs-work', id)), false, 'the output folder was removed');
  assert.equal(events(env, 'runs.start').length, 1);
  assert.equal(events(env, 'runs.start')[0]!.actor, 'user:op1');
  assert.equal(JSON.parse(events(env, 'runs.end')[0]!.details).outcome, 'succeeded');
  await env.done();
});

test('a failing exit code is failed; a task that hangs past its timeout is timed-out and killed', async () => {
  const env = await runnerEnv((spec) => (spec.command.includes('hang') ? { hang: true } : { exitCode: 3 }));
  const failed = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id);
  assert.equal(failed.outcome, 'failed');
  assert.equal(failed.exitCode, 3);
  const started = Date.now();
  const timedOut = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'hang' })).id);
  assert.equal(timedOut.outcome, 'timed-out');
  assert.ok(Date.now() - started >= 900);
  const logs = await env.op1('runs.logs', { id: timedOut.id });
  assert.match(logs.lines.map((l) => l.text).join('\n'), /timed out after 1 s/);
  assert.equal(env.engine.containers.size, 0);
  await env.done();
});

test('the site maximum caps the timeout', async () => {
  const env = await runnerEnv(() => ({ exitCode: 0 }));
  await env.adminCall('settings.set', { key: 'runner.maxTimeoutSeconds', value: 5 });
  const run = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id);
  assert.equal(run.timeoutSeconds, 5);
  assert.equal(run.sandbox?.limits.timeoutSeconds, 5);
  await env.done();
});

test('cancel: operators their own runs, admins any, viewers none; the container is killed', async () => {
  const env = await runnerEnv(() => ({ hang: true }));
  await env.adminCall('settings.set', { key: 'runner.maxTimeoutSeconds', value: 60 });
  const { id } = await env.op1('runs.start', { bundle: 'svc', task: 'hang' });
  await rejects(env.viewer('runs.cancel', { id }), 'FORBIDDEN');
  await rejects(env.op2('runs.cancel', { id }), 'FORBIDDEN');
  assert.deepEqual(
    events(env, 'runs.cancel').map((e) => e.outcome),
    ['denied', 'denied'],
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await env.op1('runs.cancel', { id })).result, 'cancelled');
  const run = await finished(env, id);
  assert.equal(run.outcome, 'cancelled');
  const second = await env.op1('runs.start', { bundle: 'svc', task: 'hang' });
  await env.adminCall('runs.cancel', { id: second.id });
  assert.equal((await finished(env, second.id)).outcome, 'cancelled');
  assert.equal(env.engine.containers.size, 0);
  await env.done();
});

test('two-person rule: a read-write run waits; its starter cannot approve; another operator can, as an audit event', async () => {
  const env = await runnerEnv(() => ({ stdout: 'restarted\n', exitCode: 0 }));
  await env.adminCall('settings.set', { key: 'runner.requireApproval', value: true });
  env.bundles.policy = { allow: ['access:read-write'], deny: [] };
  await env.op1('vault.add', { name: 'token', value: Buffer.from('tok-value-123').toString('base64') });
  await env.op1('vault.bind', { name: 'token', bundles: ['svc'] });
  await rejects(env.op1('runs.start', { bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'nginx' } }), 'INVALID_INPUT');
  const { id, state } = await env.op1('runs.start', {
    bundle: 'svc',
    task: 'restart',
    values: { SERVICE_NAME: 'nginx' },
    reason: 'stuck workers after deploy',
  });
  assert.equal(state, 'awaiting-approval');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await env.op1('runs.show', { id })).state, 'awaiting-approval', 'nothing starts without approval');
  await rejects(env.op1('runs.approve', { id }), 'FORBIDDEN');
  await rejects(env.viewer('runs.approve', { id }), 'FORBIDDEN');
  await env.op2('runs.approve', { id });
  const run = await finished(env, id);
  assert.equal(run.outcome, 'succeeded');
  assert.equal(run.approvedBy, 'op2');
  assert.equal(run.reason, 'stuck workers after deploy');
  const approvals = events(env, 'runs.approve');
  assert.deepEqual(
    approvals.map((e) => [e.actor, e.outcome]),
    [
      ['user:op1', 'denied'],
      ['user:view1', 'denied'],
      ['user:op2', 'success'],
    ],
  );
  await rejects(env.op2('runs.approve', { id }), 'CONFLICT');
  await env.done();
});

test('refused before anything starts: a denied tag, a network nobody defined; refused at start: revoked while waiting', async () => {
  const env = await runnerEnv(() => ({ exitCode: 0 }));
  const message = await rejects(
    env.op1('runs.start', { bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'x' }, reason: 'why' }),
    'POLICY_DENIED',
  );
  assert.match(message, /access:read-write/);
  assert.match(
    await rejects(env.op1('runs.start', { bundle: 'svc', task: 'netty' }), 'POLICY_DENIED'),
    /network "lab-net".*no admin has defined/,
  );
  await env.adminCall('networks.add', { name: 'lab-net', create: true });
  const net = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'netty' })).id);
  assert.equal(net.sandbox?.network, 'lab-net');
  env.bundles.policy = { allow: ['access:read-write'], deny: ['data:logs-bulk'] };
  await rejects(env.op1('runs.start', { bundle: 'svc', task: 'logs' }), 'POLICY_DENIED');
  await env.adminCall('settings.set', { key: 'runner.requireApproval', value: true });
  await env.op1('vault.add', { name: 'token', value: Buffer.from('tok-value-123').toString('base64') });
  await env.op1('vault.bind', { name: 'token', bundles: ['svc'] });
  const { id } = await env.op1('runs.start', { bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'x' }, reason: 'why' });
  env.bundles.revoked.add(env.bundles.bundle.digest);
  await env.op2('runs.approve', { id });
  const run = await finished(env, id);
  assert.equal(run.outcome, 'error');
  assert.match(run.error ?? '', /Refused at start: the digest .* was revoked/);
  assert.equal(env.engine.containers.size, 0);
  await env.done();
});

test('a secret: delivered as a file, masked in the log and results, never in env, records, logs or audit', async () => {
  const canary = 'CANARY-5e1f0c27-never-leak';
  let seenEnv: Record<string, string> = {};
  const env = await runnerEnv((spec) => {
    seenEnv = spec.env;
    const mount = spec.mounts.find((m) => m.target === '/airgap/secrets')!;
    const value = readFileSync(join(mount.source, 'token'), 'utf8');
    return {
      stdout: `secret is ${value}\nb64 ${Buffer.from(value).toString('base64')}\n`,
      files: { 'issues.jsonl': `{"title":"leaked ${value.trim()}"}\n` },
      exitCode: 0,
    };
  });
  env.bundles.policy = { allow: ['access:read-write'], deny: [] };
  await env.op1('vault.add', { name: 'prod-token', value: Buffer.from(`${canary}\n`).toString('base64') });
  await rejects(
    env.op1('runs.start', { bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'x' }, secrets: { token: 'prod-token' }, reason: 'r' }),
    'POLICY_DENIED',
  );
  await env.op1('vault.bind', { name: 'prod-token', bundles: ['svc'] });
  const { id } = await env.op1('runs.start', {
    bundle: 'svc',
    task: 'restart',
    values: { SERVICE_NAME: 'x' },
    secrets: { token: 'prod-token' },
    reason: 'r',
  });
  const run = await finished(env, id);
  assert.equal(run.outcome, 'succeeded', run.error ?? '');
  assert.deepEqual(run.config.secrets, { token: 'prod-token' });
  assert.ok(!JSON.stringify(seenEnv).includes(canary), 'not in the container environment');
  const logs = (await env.op1('runs.logs', { id })).lines.map((l) => l.text);
  assert.deepEqual(logs, ['secret is [MASKED]', 'b64 [MASKED]']);
  assert.equal(run.issueList[0]?.title, 'leaked [MASKED]');
  const db = env.core.store.db;
  for (const table of ['runs', 'run_logs', 'audit_events', 'vault_items', 'vault_bindings', 'settings']) {
    const text = JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
    assert.ok(!text.includes(canary), `not in ${table}`);
    assert.ok(!text.includes(Buffer.from(`${canary}\n`).toString('base64')), `not in ${table} as base64`);
  }
  assert.equal(events(env, 'runs.secretUse').length, 1);
  const root = secretRoot({ workstationId: env.core.store.workstationId, home: env.home, allowDisk: false });
  assert.deepEqual(listSecretFolders(root), [], 'the secret folder was removed');
  await env.done();
});

test('vault: values are write-only; viewers cannot list; a missing vault key is refused', async () => {
  const env = await runnerEnv();
  const added = await env.op1('vault.add', { name: 'kube', value: Buffer.from('apiVersion: v1').toString('base64') });
  assert.deepEqual(added, { name: 'kube', size: 14, replaced: false });
  const list = await env.op2('vault.list', {});
  assert.equal(list.items[0]?.name, 'kube');
  assert.ok(!JSON.stringify(list).includes('apiVersion'));
  await rejects(env.viewer('vault.list', {}), 'FORBIDDEN');
  await rejects(env.op1('vault.add', { name: 'kube', value: 'AAAA' }), 'CONFLICT');
  assert.equal((await env.op1('vault.add', { name: 'kube', value: 'AAAA', replace: true })).replaced, true);
  const event = env.core.store.db
    .prepare("SELECT details FROM audit_events WHERE action = 'vault.add' ORDER BY seq DESC LIMIT 1")
    .get() as { details: string };
  assert.ok(!event.details.includes('AAAA'));
  await env.done();
});

test('a second process on the same store gets LOCKED for runs.start; reads still work', async () => {
  const env = await runnerEnv(() => ({ hang: true }));
  const { id } = await env.op1('runs.start', { bundle: 'svc', task: 'hang' });
  const { newCore, signIn } = await import('../../helpers/core');
  const other = newCore(env.home, undefined, { bundles: env.bundles, engine: env.engine }).core;
  const session = await signIn(other, 'op2', 'op2-password-123');
  const { dispatch } = await import('../../../src/api/dispatcher');
  const message = await rejects(dispatch(other, session, 'runs.start', { bundle: 'svc', task: 'check' }), 'LOCKED');
  assert.match(message, new RegExp(`pid ${process.pid}`));
  assert.equal((await dispatch(other, session, 'runs.show', { id })).id, id);
  const listed = await dispatch(other, session, 'runs.list', {});
  assert.equal(listed.runner.held, true);
  await other.close();
  await env.done();
});

test('key rotation (a user removed) re-seals the vault: items still open for runs, under the new key only', async () => {
  let delivered = '';
  const env = await runnerEnv((spec) => {
    delivered = readFileSync(join(spec.mounts.find((m) => m.target === '/airgap/secrets')!.source, 'token'), 'utf8');
    return { exitCode: 0 };
  });
  env.bundles.policy = { allow: ['access:read-write'], deny: [] };
  await env.op1('vault.add', { name: 'token', value: Buffer.from('rotate-me-please').toString('base64') });
  await env.op1('vault.bind', { name: 'token', bundles: ['svc'] });
  const before = (env.core.store.db.prepare("SELECT sealed FROM vault_items WHERE name = 'token'").get() as { sealed: string }).sealed;
  await env.adminCall('users.remove', { name: 'op2' });
  const after = (env.core.store.db.prepare("SELECT sealed FROM vault_items WHERE name = 'token'").get() as { sealed: string }).sealed;
  assert.notEqual(after, before);
  const { id } = await env.op1('runs.start', { bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'x' }, reason: 'after rotation' });
  assert.equal((await finished(env, id)).outcome, 'succeeded');
  assert.equal(delivered, 'rotate-me-please');
  await env.done();
});

test('the queue holds runs beyond runner.concurrency until a slot frees', async () => {
  const env = await runnerEnv(() => ({ hang: true }));
  await env.adminCall('settings.set', { key: 'runner.concurrency', value: 1 });
  await env.adminCall('settings.set', { key: 'runner.maxTimeoutSeconds', value: 60 });
  const a = await env.op1('runs.start', { bundle: 'svc', task: 'hang' });
  const b = await env.op1('runs.start', { bundle: 'svc', task: 'hang' });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await env.op1('runs.show', { id: a.id })).state, 'running');
  assert.equal((await env.op1('runs.show', { id: b.id })).state, 'queued');
  assert.equal(env.engine.containers.size, 1);
  await env.op1('runs.cancel', { id: a.id });
  await env.core.runner.waitFor(a.id);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await env.op1('runs.show', { id: b.id })).state, 'running');
  await env.op1('runs.cancel', { id: b.id });
  assert.equal((await finished(env, b.id)).outcome, 'cancelled');
  await env.done();
});

test('the outcome is settled while the engine removes the container; a failed removal is added as a warning; waitFor waits for the cleanup', async () => {
  const env = await runnerEnv(() => ({ stdout: 'done\n', exitCode: 3 }));
  const remove = env.engine.remove.bind(env.engine);
  const seen: string[] = [];
  let fail = false;
  let runId = '';
  env.engine.remove = async (id: string) => {
    const at = () => (env.core.store.db.prepare('SELECT state FROM runs WHERE id = ?').get(runId) as { state: string }).state;
    seen.push(`asked: ${at()}`);
    await new Promise((r) => setTimeout(r, 50));
    seen.push(`removing: ${at()}`);
    await remove(id);
    if (fail) throw new ApiError('ENGINE_UNAVAILABLE', 'the engine stopped answering');
  };
  runId = (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id;
  let run = await finished(env, runId);
  assert.deepEqual(seen, ['asked: running', 'removing: finished'], 'settled while the engine removes the container');
  assert.equal(run.outcome, 'failed');
  assert.equal(run.exitCode, 3);
  assert.deepEqual(run.warnings, []);
  assert.equal(env.engine.containers.size, 0, 'waitFor resolved after the removal');

  fail = true;
  seen.length = 0;
  runId = (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id;
  run = await finished(env, runId);
  assert.deepEqual(seen, ['asked: running', 'removing: finished']);
  assert.equal(run.outcome, 'failed', 'the outcome stays as settled');
  assert.equal(run.warnings.length, 1);
  assert.match(run.warnings[0]!, /^The container could not be removed \(.*\); it is removed at the next start-up\.$/);
  assert.equal(events(env, 'runs.end').length, 2, 'one runs.end event per run');
  await env.done();
});

test('host network only as an audited admin override, and only while runner.hostNetworkAllowed is on', async () => {
  const env = await runnerEnv(() => ({ exitCode: 0 }));
  await rejects(env.adminCall('networks.add', { name: 'lab-net', host: true }), 'POLICY_DENIED');
  await rejects(env.op1('networks.add', { name: 'lab-net', host: true }), 'FORBIDDEN');
  await rejects(env.adminCall('networks.add', { name: 'host' }), 'INVALID_INPUT');
  await env.adminCall('settings.set', { key: 'runner.hostNetworkAllowed', value: true });
  const entry = await env.adminCall('networks.add', { name: 'lab-net', host: true });
  assert.equal(entry.kind, 'host');
  const run = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'netty' })).id);
  assert.equal(run.sandbox?.network, 'host');
  assert.equal(run.sandbox?.networkKind, 'host-override');
  const added = events(env, 'networks.add').map((e) => [e.outcome, JSON.parse(e.details)]);
  assert.deepEqual(added.at(-1), ['success', { kind: 'host', override: true }]);
  await env.adminCall('settings.set', { key: 'runner.hostNetworkAllowed', value: false });
  assert.match(await rejects(env.op1('runs.start', { bundle: 'svc', task: 'netty' }), 'POLICY_DENIED'), /host networking is switched off/);
  await env.done();
});

test('the image check runs at every start, before the container starts: gone, or gone after the container was made, the run ends with why and nothing runs', async () => {
  const env = await runnerEnv(() => ({ stdout: 'ran\n', exitCode: 0 }));
  let starts = 0;
  const start = env.engine.start.bind(env.engine);
  env.engine.start = async (id: string) => {
    starts++;
    await start(id);
  };
  const first = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id);
  assert.equal(first.outcome, 'succeeded', first.error ?? '');
  assert.equal(starts, 1);
  const gone = /The engine no longer has the image of svc@1\.0\.0 .*Import the bundle again/;

  // The engine lost the image: its answer to the check is what the run says (not the create's refusal).
  const image = env.engine.images.get(IMAGE)!;
  env.engine.images.delete(IMAGE);
  const missing = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id);
  assert.equal(missing.outcome, 'error');
  assert.match(missing.error ?? '', gone);

  // The image is there when the container is made but the check says it is not (removed in between).
  env.engine.images.set(IMAGE, image);
  assert.equal((await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id)).outcome, 'succeeded');
  const inspect = env.engine.inspectImage.bind(env.engine);
  env.engine.inspectImage = async () => null;
  const removedBetween = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id);
  assert.equal(removedBetween.outcome, 'error');
  assert.match(removedBetween.error ?? '', gone);
  assert.equal(env.engine.containers.size, 0, 'the container made meanwhile was removed');

  // An image that showed another user than the one the container was made with: refused, nothing ran.
  env.engine.inspectImage = inspect;
  assert.equal((await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id)).outcome, 'succeeded');
  env.engine.inspectImage = async (id: string) => ({ ...(await inspect(id))!, user: '1000' });
  const otherUser = await finished(env, (await env.op1('runs.start', { bundle: 'svc', task: 'check' })).id);
  assert.equal(otherUser.outcome, 'error');
  assert.match(otherUser.error ?? '', /now names another user than when it was checked; nothing ran/);
  assert.equal(env.engine.containers.size, 0);
  assert.equal(starts, 3, 'only the three runs whose check passed started a container');

  // A run with secrets writes, signs and audits nothing before its own check has passed.
  env.engine.inspectImage = inspect;
  env.bundles.policy = { allow: ['access:read-write'], deny: [] };
  await env.op1('vault.add', { name: 'prod-token', value: Buffer.from('token-value-0123').toString('base64') });
  await env.op1('vault.bind', { name: 'prod-token', bundles: ['svc'] });
  const withSecret = { bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'x' }, secrets: { token: 'prod-token' }, reason: 'r' };
  assert.equal((await finished(env, (await env.op1('runs.start', withSecret)).id)).outcome, 'succeeded');
  assert.equal(events(env, 'runs.secretUse').length, 1);
  env.engine.inspectImage = async () => null;
  const secretRun = await finished(env, (await env.op1('runs.start', withSecret)).id);
  assert.equal(secretRun.outcome, 'error');
  assert.match(secretRun.error ?? '', gone);
  assert.equal(events(env, 'runs.secretUse').length, 1, 'no secret use recorded for the refused run');
  assert.equal(env.engine.containers.size, 0);
  assert.equal(starts, 4);
  await env.done();
});
