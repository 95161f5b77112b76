/** `task show`, `engine status` and `issues list` through the real CLI process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { insertBundle } from '../../../src/bundles/catalog';
import { RunRecords } from '../../../src/runner';
import { addUser, as, initialisedCore, tempDir } from '../../helpers/core';
import { hex, NOW, sampleBundle } from '../../helpers/bundles';
import { cli, errorLine } from '../../helpers/cli';

test('task show lists variables and bound vault items; issues list filters; engine status says when the engine is not there', async () => {
  const home = join(tempDir(), 'home');
  const env = await initialisedCore({ home });
  insertBundle(env.core.store.db, sampleBundle('service-restart', 'a'));
  const op = await addUser(env.core, env.admin, 'oper', ['operator']);
  await as(env.core, op.session)('vault.add', { name: 'service-token', value: Buffer.from('t0ken').toString('base64') });
  await as(env.core, op.session)('vault.bind', { name: 'service-token', bundles: ['service-restart'] });
  const records = new RunRecords(env.core.store.db);
  records.insert({
    id: 'r-cli0000001',
    bundle: { name: 'service-restart', version: '1.0.0', digest: hex('a') },
    imageId: hex('b'),
    task: { id: 'check-service-status', title: 'Check Service Status', access: 'read-only' },
    startedBy: 'oper',
    reason: null,
    config: { values: {}, files: {}, secrets: {} },
    state: 'queued',
    approvalRequired: false,
    instanceId: 'i',
    createdAt: NOW,
    timeoutSeconds: 30,
  });
  const issue = (severity: 1 | 2 | 3 | 4, title: string) => ({
    severity,
    title,
    expected: 'up',
    actual: 'down',
    reproduceHint: '',
    nextSteps: `look at ${title}`,
    details: '',
    taskName: 't',
    observedAt: NOW,
  });
  records.finish('r-cli0000001', {
    outcome: 'failed',
    endedAt: NOW,
    exitCode: 1,
    issues: [issue(2, 'nginx down'), issue(4, 'fine otherwise')],
  });
  await env.core.close();
  const user = { AIRGAP_RUNNER_HOME: home, AIRGAP_RUNNER_USER: 'oper', AIRGAP_RUNNER_PASSWORD: op.password };

  const shown = cli(['task', 'show', 'service-restart', 'restart-service'], user);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /reason\s+required \(--reason\)/);
  assert.match(shown.stdout, /^SERVICE_NAME\s+string\s+yes\s+\[A-Za-z0-9_.@-\]\{1,128\}\s+nginx\.service/m);
  assert.match(shown.stdout, /^GRACE_SECONDS\s+number\s+10/m);
  assert.match(shown.stdout, /^service-token\s+service-token\s+Token for the service manager/m);
  const missing = cli(['task', 'show', 'service-restart', 'nope'], user);
  assert.equal(errorLine(missing)?.code, 'NOT_FOUND');

  const open = cli(['issues', 'list', '--open', '--severity', '2', '--json'], user);
  assert.equal(open.code, 0, open.stderr);
  const parsed = JSON.parse(open.stdout) as { issues: Array<{ title: string; run: { id: string } }>; counts: Record<string, number> };
  assert.deepEqual(
    parsed.issues.map((i) => [i.title, i.run.id]),
    [['nginx down', 'r-cli0000001']],
  );
  assert.deepEqual(parsed.counts, { critical: 0, major: 1, minor: 0, info: 0 });
  const table = cli(['issues', 'list'], user);
  assert.match(table.stdout, /^major\s+nginx down\s+look at nginx down\s+r-cli0000001/m);
  assert.match(table.stdout, /0 critical, 1 major, 0 minor, 1 info/);
  assert.equal(errorLine(cli(['issues', 'list', '--severity', '9'], user))?.code, 'INVALID_INPUT');

  const down = cli(['engine', 'status'], { ...user, DOCKER_HOST: `unix://${join(home, 'no-engine.sock')}` });
  assert.equal(down.code, 1, down.stderr);
  assert.match(down.stdout, /engine\s+not reachable/);
  assert.match(down.stdout, /no-engine\.sock/);
});
