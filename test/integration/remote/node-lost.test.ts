/**
 * A node that stops answering mid-run (issue 17): the run settles `interrupted` within a bound, the
 * node is marked unreachable, and what the run left there is swept by the next run on it. The run's
 * deadline wins over a silent node. The ssh-docker node of `test/services.sh start --remote` is
 * shared with other tests, so only the sshd processes serving THIS process's connection are frozen
 * (SIGSTOP: the node's kernel still acknowledges TCP, nothing answers, as on a hung host or a cut
 * link) or killed (the connection drops); everything else on the node keeps working.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEARTBEAT_MS, SILENCE_LIMIT_MS, openRemoteEngine, parseNodeAddress, pinFrom, type RemoteEngine } from '../../../src/engine';
import { KILL_GRACE_MS } from '../../../src/runner';
import { NODE_LABELS } from '../../../src/nodes';
import { ourSshd as sshdOf, removeLeftovers, signal } from './freeze';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from '../runner/fixture';

const env = process.env;
const NEEDED = ['AIRGAP_TEST_NODE_SSH_DOCKER', 'AIRGAP_TEST_NODE_SSH_DOCKER_NETNS', 'AIRGAP_TEST_NODE_SSH_KEY'];
const missing = NEEDED.filter((n) => !env[n]);
const skip =
  dockerSkip() ??
  (missing.length > 0 ? `SKIP: no remote test nodes (${missing.join(', ')} unset): eval "$(test/services.sh start --remote)"` : undefined);

const FIXTURE = unique('lost');
/** The deadline of the `slow` task this test adds: long enough to freeze the node before it. */
const SLOW_TIMEOUT_S = 12;
let c: RunnerCore;
const text = (path: string): string => readFileSync(path, 'utf8');
const ourSshd = (): number[] => sshdOf(env.AIRGAP_TEST_NODE_SSH_DOCKER!, env.AIRGAP_TEST_NODE_SSH_DOCKER_NETNS!);

function nodeEngine(): RemoteEngine {
  const address = parseNodeAddress(env.AIRGAP_TEST_NODE_SSH_DOCKER!);
  return openRemoteEngine(address, pinFrom(address.transport, text(env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!)), {
    privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!),
  });
}

async function enrol(): Promise<string> {
  const name = unique('nl');
  await c.admin('nodes.add', {
    name,
    address: env.AIRGAP_TEST_NODE_SSH_DOCKER!,
    pin: text(env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!),
    privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!),
  });
  return name;
}

/** Starts a run on the node and waits until its task printed (the container runs there). */
async function runningOn(node: string, task: string, values: Record<string, string> = {}): Promise<string> {
  const { id } = await c.op1('runs.start', { bundle: FIXTURE, task, values, node });
  await until(async () => (await c.op1('runs.logs', { id })).lines.some((l) => l.text === 'holding'), 60_000, 'the task to print');
  return id;
}

async function leftOnNode(runId: string): Promise<number> {
  const remote = nodeEngine();
  try {
    const label = `${NODE_LABELS.runId}=${runId}`;
    return (await remote.engine.listContainers({ label })).length + (await remote.engine.listVolumes({ label })).length;
  } finally {
    await remote.close();
  }
}

before(async () => {
  if (skip) return;
  const dir = fixtureBundleDir(FIXTURE, unique('lostnet'));
  const yaml = join(dir, 'codebundle.yaml');
  writeFileSync(
    yaml,
    text(yaml) +
      `  - id: slow\n    title: Slow\n    tags: [access:read-only]\n    access: read-only\n    command: [/bin/sh, -c, 'echo holding; sleep 300']\n    timeoutSeconds: ${SLOW_TIMEOUT_S}\n`,
  );
  const mirror = await mirrorOf([dir]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (skip) return;
  await removeLeftovers(env.AIRGAP_TEST_NODE_SSH_DOCKER!, env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!, c.env.core.store.workstationId);
  await c.cleanup();
});

describe('a node that stops answering', { skip }, () => {
  test('frozen mid-run: the run settles interrupted within the bound, the node is marked, the next run sweeps and clears it', async () => {
    const node = await enrol();
    const id = await runningOn(node, 'hold', { SECONDS_TO_HOLD: '300' });
    const frozen = ourSshd();
    const t0 = Date.now();
    signal(frozen, 'SIGSTOP');
    let elapsed: number;
    try {
      await c.env.core.runner.waitFor(id);
      elapsed = Date.now() - t0;
    } finally {
      signal(frozen, 'SIGCONT');
    }
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'interrupted', run.error ?? '');
    // SSH keepalive finds it in about 20 s; the watch's silence limit bounds every transport.
    const bound = SILENCE_LIMIT_MS + 2 * HEARTBEAT_MS;
    assert.ok(elapsed < bound, `settled in ${elapsed} ms, within ${bound} ms`);
    const lines = (await c.op1('runs.logs', { id })).lines.map((l) => l.text);
    assert.ok(
      lines.some((l) => l.includes(`interrupted: node ${node} stopped answering`)),
      lines.join('\n'),
    );
    assert.ok(run.warnings.some((w) => w.includes('removed the next time a run uses the node')));
    const marked = await c.op1('nodes.show', { name: node });
    assert.ok(marked.unreachable, 'the node is marked unreachable');
    assert.match(marked.unreachable.reason, /keepalive|no answer/);
    // The node could not be told: the task container (and its holder and volume) are still there...
    assert.ok((await leftOnNode(id)) > 0, 'the interrupted run left its container on the node');
    // ...until the next run on the node sweeps them; that run's contact clears the mark.
    const next = await c.run({ bundle: FIXTURE, task: 'quick', node });
    assert.equal(next.outcome, 'succeeded', next.error ?? '');
    assert.equal(await leftOnNode(id), 0, 'swept');
    assert.equal((await c.op1('nodes.show', { name: node })).unreachable, null);
  });

  test('the deadline wins: a run whose node froze before its deadline settles timed-out within the kill grace', async () => {
    const node = await enrol();
    // The core's clock is the tests' fixed one: the real deadline is at least SLOW_TIMEOUT_S after this.
    const asked = Date.now();
    const id = await runningOn(node, 'slow');
    assert.ok(asked + SLOW_TIMEOUT_S * 1000 - Date.now() > 2000, 'frozen well before the deadline');
    const frozen = ourSshd();
    signal(frozen, 'SIGSTOP');
    try {
      await c.env.core.runner.waitFor(id);
    } finally {
      signal(frozen, 'SIGCONT');
    }
    const late = Date.now() - (asked + SLOW_TIMEOUT_S * 1000);
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'timed-out');
    assert.ok(late < KILL_GRACE_MS + 10_000, `settled ${late} ms after the deadline`);
    const lines = (await c.op1('runs.logs', { id })).lines.map((l) => l.text);
    assert.ok(lines.includes(`[timed out after ${SLOW_TIMEOUT_S} s: the kill could not be confirmed]`), lines.join('\n'));
  });

  test("its connection cut (the node's sshd killed): the run settles interrupted at once", async () => {
    const node = await enrol();
    const id = await runningOn(node, 'hold', { SECONDS_TO_HOLD: '300' });
    const t0 = Date.now();
    signal(ourSshd(), 'SIGKILL');
    await c.env.core.runner.waitFor(id);
    const elapsed = Date.now() - t0;
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'interrupted', run.error ?? '');
    assert.ok(elapsed < 10_000, `settled in ${elapsed} ms`);
    assert.match((await c.op1('nodes.show', { name: node })).unreachable?.reason ?? '', /dropped/);
  });
});
