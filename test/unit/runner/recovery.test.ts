/** Recovery by a new lease holder: every run settled, no container and no secret folder left. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, RunRecords } from '../../../src/runner';
import { listSecretFolders, secretRoot, writeRunSecrets } from '../../../src/vault/mount';
import { IMAGE, runnerEnv } from './runner-env';

test('a crashed holder leaves a running run, its container, its secret folder and output: the next holder cleans all', async () => {
  const env = await runnerEnv();
  const ws = env.core.store.workstationId;
  const records = new RunRecords(env.core.store.db);
  const base = {
    bundle: { name: 'svc', version: '1.0.0', digest: 'sha256:x' },
    imageId: IMAGE,
    startedBy: 'op1',
    reason: null,
    config: { values: {}, files: {}, secrets: {} },
    approvalRequired: false,
    instanceId: 'dead',
    createdAt: '2026-01-01T00:00:00Z',
    timeoutSeconds: 30,
  };
  records.insert({ ...base, id: 'r-aaaaaaaaaa', task: { id: 'check', title: 'Check', access: 'read-only' }, state: 'queued' });
  records.insert({ ...base, id: 'r-bbbbbbbbbb', task: { id: 'check', title: 'Check', access: 'read-only' }, state: 'queued' });
  records.insert({
    ...base,
    id: 'r-cccccccccc',
    task: { id: 'restart', title: 'Restart', access: 'read-write' },
    state: 'awaiting-approval',
  });
  env.core.store.db.prepare("UPDATE runs SET state = 'running' WHERE id = 'r-aaaaaaaaaa'").run();
  const spec = {
    image: IMAGE,
    command: ['/bin/sh'],
    env: {},
    user: '65534:65534',
    workingDir: '/',
    network: 'none',
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: [],
    tmpfs: {},
    mounts: [],
    limits: { memoryBytes: 1, nanoCpus: 1, pids: 8, nofile: 8, nproc: 8 },
    logDriver: 'none' as const,
  };
  await env.engine.createContainer({ ...spec, labels: { [LABELS.workstation]: ws, [LABELS.runId]: 'r-aaaaaaaaaa' } });
  await env.engine.createContainer({ ...spec, labels: { [LABELS.workstation]: 'another-store' } });
  const root = secretRoot({ workstationId: ws, home: env.home, allowDisk: false });
  writeRunSecrets(root, 'r-aaaaaaaaaa', new Map([['token', Buffer.from('left-behind')]]));
  mkdirSync(join(env.home, 'runs-work', 'r-aaaaaaaaaa', 'output'), { recursive: true });
  writeFileSync(join(env.home, 'runs-work', 'r-aaaaaaaaaa', 'output', 'issues.jsonl'), '{}');

  const runner = await env.core.runner.ensure();
  assert.deepEqual(runner.recovery?.runs.sort(), ['r-aaaaaaaaaa', 'r-bbbbbbbbbb', 'r-cccccccccc']);
  assert.equal(runner.recovery?.containers, 1);
  for (const id of ['r-aaaaaaaaaa', 'r-bbbbbbbbbb', 'r-cccccccccc']) {
    const run = records.get(id)!;
    assert.equal(run.state, 'finished');
    assert.equal(run.outcome, 'interrupted');
    assert.ok(run.error);
  }
  assert.deepEqual(
    [...env.engine.containers.values()].map((c) => c.spec.labels[LABELS.workstation]),
    ['another-store'],
    "another store's container is left alone",
  );
  assert.deepEqual(listSecretFolders(root), []);
  assert.deepEqual(records.unsettled(), []);
  const ends = env.core.store.db.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'runs.end'").get() as { n: number };
  assert.equal(ends.n, 3);
  await env.done();
});
