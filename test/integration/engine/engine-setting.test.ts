/**
 * Issue 15 item 7: after an admin changes the engine socket, the runner follows the setting. Before,
 * the dashboard said "not reachable" while the runner kept using the socket it started with and runs
 * succeeded. Here, on the real dockerd: a run on the first socket; the setting is changed to a socket
 * with no engine: engine.status says not reachable and the next run fails saying the same socket;
 * the setting is changed back: both report the real engine again, and the run's sandbox record names
 * the socket engine.status names.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../../src/api/dispatcher';
import type { OpName, OpOutput } from '../../../src/api/contract';
import { DockerodeEngine } from '../../../src/engine';
import { LABELS } from '../../../src/runner';
import { addUser, initialisedCore } from '../../helpers/core';
import { dockerSkip, fixtureBundleDir, mirrorOf, unique } from '../runner/fixture';

const skip = dockerSkip();
const FIXTURE = unique('eng');
const PUB = readFileSync(fileURLToPath(new URL('../../../samples/keys/cosign.pub', import.meta.url)), 'utf8');
const realSocket = `unix://${(process.env.DOCKER_HOST ?? '').replace(/^unix:\/\//, '')}`;
const deadSocket = `unix://${join(mkdtempSync(join(tmpdir(), 'no-engine-')), 'docker.sock')}`;

type Call = <N extends OpName>(name: N, input?: unknown) => Promise<OpOutput<N>>;
let env: Awaited<ReturnType<typeof initialisedCore>>;
let admin: Call;
let op1: Call;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('engnet'))]);
  // No engine handed to the core: it makes one from the engine.socket setting, as the app does.
  env = await initialisedCore({ core: { pollMs: 100 } });
  admin = (name, input = {}) => dispatch(env.core, env.admin, name, input);
  await admin('trust.addKey', { pem: PUB, comment: 'sample key' });
  const user = await addUser(env.core, env.admin, 'op1', ['operator']);
  op1 = (name, input = {}) => dispatch(env.core, user.session, name, input);
  await admin('settings.set', { key: 'engine.socket', value: realSocket });
  for (const ref of mirror.refs.values()) await op1('bundles.import', { source: mirror.source, ref });
});

after(async () => {
  if (skip) return;
  await env.core.stopRunner('the test ended');
  const engine = DockerodeEngine.fromEnv({ DOCKER_HOST: process.env.DOCKER_HOST });
  for (const c of await engine.listContainers({ label: `${LABELS.workstation}=${env.core.store.workstationId}` }))
    await engine.remove(c.id, { force: true }).catch(() => undefined);
  const tags = env.core.store.db.prepare('SELECT engine_tag FROM bundles').all() as Array<{ engine_tag: string }>;
  for (const t of tags) await engine.removeImage(t.engine_tag).catch(() => undefined);
  await env.cleanup();
});

async function run(): Promise<OpOutput<'runs.show'>> {
  const { id } = await op1('runs.start', { bundle: FIXTURE, task: 'quick' });
  await env.core.runner.waitFor(id);
  return await op1('runs.show', { id });
}

describe('the runner follows the engine.socket setting (real dockerd)', { skip }, () => {
  test('status and runs name the same engine before, during and after a change of socket', async () => {
    const first = await run();
    assert.equal(first.outcome, 'succeeded', first.error ?? '');
    const up = await op1('engine.status', {});
    assert.equal(up.reachable, true, up.message);
    assert.equal(first.sandbox?.socket, up.socket, 'the run and the status name the same socket');

    // The runner is started now and holds the lease; the admin points the engine elsewhere.
    await admin('settings.set', { key: 'engine.socket', value: deadSocket });
    const down = await op1('engine.status', {});
    assert.equal(down.reachable, false);
    assert.ok(down.message.includes(deadSocket.replace('unix://', '')), down.message);
    const refused = await run();
    assert.equal(refused.outcome, 'error', 'a run does not go to the engine the setting replaced');
    assert.ok(refused.error?.includes(deadSocket.replace('unix://', '')), `the run says which engine: ${refused.error}`);
    assert.equal(refused.sandbox, null, 'no container was made anywhere');

    await admin('settings.set', { key: 'engine.socket', value: realSocket });
    const again = await run();
    assert.equal(again.outcome, 'succeeded', again.error ?? '');
    const back = await op1('engine.status', {});
    assert.equal(back.reachable, true);
    assert.equal(again.sandbox?.socket, back.socket);
  });
});
