/**
 * The read operations the desktop UI is generated from (issue 7): a task's full declaration
 * (`tasks.show`), the engine now (`engine.status`) and issues across runs (`issues.list`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insertBundle } from '../../../src/bundles/catalog';
import { RunRecords } from '../../../src/runner/records';
import type { IssueLine } from '../../../src/bundles/results';
import type { ContainerEngine, EngineInfo } from '../../../src/engine/types';
import { addUser, as, initialisedCore, rejects } from '../../helpers/core';
import { hex, NOW, sampleBundle } from '../../helpers/bundles';

test('tasks.show: variables with types, defaults, patterns; secrets with only the vault items bound to the bundle; approval', async () => {
  const env = await initialisedCore();
  insertBundle(env.core.store.db, sampleBundle('service-restart', 'a'));
  const op = as(env.core, (await addUser(env.core, env.admin, 'op1', ['operator'])).session);
  const viewer = as(env.core, (await addUser(env.core, env.admin, 'view1', ['viewer'])).session);
  await op('vault.add', { name: 'service-token', value: Buffer.from('s3cret').toString('base64') });
  await op('vault.add', { name: 'elsewhere', value: Buffer.from('other').toString('base64') });
  await op('vault.bind', { name: 'service-token', bundles: ['service-restart'] });
  await op('vault.bind', { name: 'elsewhere', bundles: ['host-health'] });

  const { task } = await op('tasks.show', { bundle: 'service-restart', task: 'restart-service' });
  assert.equal(task.access, 'read-write');
  assert.equal(task.enabled, false, 'the default policy denies read-write');
  assert.equal(task.reasonRequired, true);
  assert.equal(task.approvalRequired, false);
  assert.deepEqual(
    task.config.map((v) => [v.name, v.type, v.required, v.default, v.pattern]),
    [
      ['SERVICE_NAME', 'string', true, null, '[A-Za-z0-9_.@-]{1,128}'],
      ['GRACE_SECONDS', 'number', false, 10, null],
    ],
  );
  assert.equal(task.config[0]!.example, 'nginx.service');
  assert.equal(task.config[0]!.sensitive, false);
  assert.deepEqual(task.secrets, [
    {
      name: 'service-token',
      description: 'Token for the service manager (the sample only checks that it was delivered).',
      vaultItems: ['service-token'],
    },
  ]);
  assert.equal(task.timeoutSeconds, 120);
  assert.deepEqual(task.resources, { cpu: 0.25, memoryMiB: 16, pids: 16 });
  assert.equal(task.network, 'none');

  // Item names are the vault's: a viewer sees the declaration, not which items exist.
  const seen = await viewer('tasks.show', { bundle: 'service-restart@1.0.0', task: 'restart-service' });
  assert.equal(seen.task.secrets[0]!.vaultItems, null);

  await as(env.core, env.admin)('settings.set', { key: 'runner.requireApproval', value: true });
  assert.equal((await op('tasks.show', { bundle: 'service-restart', task: 'restart-service' })).task.approvalRequired, true);
  assert.equal(
    (await op('tasks.show', { bundle: 'service-restart', task: 'check-service-status' })).task.approvalRequired,
    false,
    'read-only tasks never wait',
  );

  assert.match(
    await rejects(op('tasks.show', { bundle: 'service-restart', task: 'nope' }), 'NOT_FOUND'),
    /has no task "nope"\. Its tasks: check-service-status, restart-service/,
  );
  await rejects(op('tasks.show', { bundle: 'no-such-bundle', task: 'x' }), 'NOT_FOUND');
  await env.cleanup();
});

function fakeInfo(info: () => Promise<EngineInfo>): ContainerEngine {
  return { info } as unknown as ContainerEngine;
}

test('engine.status: reachable with kind and version; a stopped or silent engine is a status, not an error', async () => {
  // One engine given to the core; each step below swaps what its info() does.
  let info: () => Promise<EngineInfo> = () => Promise.reject(new Error('not set'));
  const env = await initialisedCore({ core: { engine: fakeInfo(() => info()) } });
  const viewer = as(env.core, (await addUser(env.core, env.admin, 'view1', ['viewer'])).session);
  info = async () => ({
    name: 'Podman',
    version: '4.3.1',
    apiVersion: '1.41',
    rootless: true,
    os: 'linux',
    arch: 'amd64',
    socket: 'unix:///run/user/1000/podman/podman.sock',
  });
  const up = await viewer('engine.status', {});
  assert.deepEqual(
    { ...up, checkedAt: undefined },
    {
      reachable: true,
      kind: 'podman',
      version: '4.3.1',
      apiVersion: '1.41',
      rootless: true,
      socket: 'unix:///run/user/1000/podman/podman.sock',
      message: '',
      checkedAt: undefined,
    },
  );

  info = () =>
    Promise.reject(new Error('Cannot reach the container engine at unix:///var/run/docker.sock (ECONNREFUSED): start Docker or Podman.'));
  const down = await viewer('engine.status', {});
  assert.equal(down.reachable, false);
  assert.equal(down.kind, null);
  assert.match(down.message, /ECONNREFUSED/);

  // An engine that never answers: the call returns within the status timeout (3 s), not the engine's 20 s.
  info = () => new Promise<never>(() => undefined);
  const started = Date.now();
  const silent = await viewer('engine.status', {});
  assert.ok(Date.now() - started < 6_000, `answered in ${Date.now() - started} ms`);
  assert.equal(silent.reachable, false);
  assert.match(silent.message, /did not answer within 3 s/);
  await env.cleanup();
});

function issue(severity: IssueLine['severity'], title: string): IssueLine {
  return {
    severity,
    title,
    expected: 'e',
    actual: 'a',
    reproduceHint: '',
    nextSteps: `fix ${title}`,
    details: '',
    taskName: 't',
    observedAt: NOW,
  };
}

test('issues.list: across runs, most severe first, filtered by severity, bundle, task, time; latest keeps only what is still open', async () => {
  const env = await initialisedCore();
  const records = new RunRecords(env.core.store.db);
  const viewer = as(env.core, (await addUser(env.core, env.admin, 'view1', ['viewer'])).session);
  let n = 0;
  const run = (bundle: string, task: string, createdAt: string, issues: IssueLine[]) => {
    const id = `r-${String(n++).padStart(10, 'a')}`;
    records.insert({
      id,
      bundle: { name: bundle, version: '1.0.0', digest: hex('a') },
      imageId: hex('b'),
      task: { id: task, title: `${task} title`, access: 'read-only' },
      startedBy: 'op1',
      reason: null,
      config: { values: {}, files: {}, secrets: {} },
      state: 'queued',
      approvalRequired: false,
      instanceId: 'i',
      createdAt,
      timeoutSeconds: 30,
    });
    records.finish(id, { outcome: 'succeeded', endedAt: createdAt, exitCode: 0, issues });
    return id;
  };
  const old = run('host-health', 'disk', '2026-11-25T08:00:00.000Z', [issue(1, 'disk full'), issue(4, 'fine')]);
  const fresh = run('host-health', 'disk', '2026-11-26T09:00:00.000Z', [issue(3, 'disk filling \u001b[31m')]);
  run('host-health', 'memory', '2026-11-26T09:30:00.000Z', [issue(2, 'swap in use')]);
  run('log-scan', 'scan', '2026-11-26T10:00:00.000Z', []);

  const all = await viewer('issues.list', {});
  assert.deepEqual(
    all.issues.map((i) => [i.severity, i.title]),
    [
      [1, 'disk full'],
      [2, 'swap in use'],
      [3, 'disk filling ␛[31m'],
      [4, 'fine'],
    ],
  );
  assert.deepEqual(all.counts, { critical: 1, major: 1, minor: 1, info: 1 });
  assert.equal(all.issues[0]!.run.id, old);
  assert.equal(all.issues[0]!.nextSteps, 'fix disk full');
  assert.equal(all.issues[0]!.run.task.title, 'disk title');

  assert.deepEqual(
    (await viewer('issues.list', { severity: 2 })).issues.map((i) => i.title),
    ['disk full', 'swap in use'],
  );
  assert.deepEqual(
    (await viewer('issues.list', { task: 'memory' })).issues.map((i) => i.title),
    ['swap in use'],
  );
  assert.deepEqual((await viewer('issues.list', { bundle: 'log-scan' })).issues, []);
  assert.deepEqual(
    (await viewer('issues.list', { since: '2026-11-26T00:00:00+00:00' })).issues.map((i) => i.title),
    ['swap in use', 'disk filling ␛[31m'],
  );
  const open = await viewer('issues.list', { latest: true });
  assert.deepEqual(
    open.issues.map((i) => [i.title, i.run.id]),
    [
      ['swap in use', open.issues[0]!.run.id],
      ['disk filling ␛[31m', fresh],
    ],
    'the older disk run is superseded',
  );
  const limited = await viewer('issues.list', { limit: 1 });
  assert.equal(limited.issues.length, 1);
  assert.equal(limited.truncated, true);
  assert.equal(limited.counts.info, 1, 'counts cover every match, not just the page');
  await rejects(viewer('issues.list', { since: 'yesterday' }), 'INVALID_INPUT');
  await env.cleanup();
});
