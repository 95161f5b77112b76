/**
 * The silence watch on the mutual-TLS transport (issue 17): SSH has its own keepalive, TLS has only
 * the watch (a ping every HEARTBEAT_MS, given up after SILENCE_LIMIT_MS without an answer). The TLS
 * node of `test/services.sh start --remote` is shared, so this test reaches it through a TCP proxy of
 * its own on 127.0.0.1 (freeze.ts) and freezes that mid-run: the client's TCP keepalives are still
 * acknowledged (by the proxy's kernel) and nothing answers, as on a hung host. The node is pinned by
 * its server certificate's SHA-256, which the proxy passes through untouched; the run settles
 * `interrupted` within the same bound as the SSH test, and the next run sweeps what it left.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HEARTBEAT_MS, SILENCE_LIMIT_MS, openRemoteEngine, parseNodeAddress, pinFrom } from '../../../src/engine';
import { NODE_LABELS } from '../../../src/nodes';
import { FreezableProxy, removeLeftovers } from './freeze';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from '../runner/fixture';

const env = process.env;
const NEEDED = ['AIRGAP_TEST_NODE_TLS', 'AIRGAP_TEST_NODE_TLS_SERVER_CERT', 'AIRGAP_TEST_NODE_TLS_KEY', 'AIRGAP_TEST_NODE_TLS_CERT'];
const missing = NEEDED.filter((n) => !env[n]);
const skip =
  dockerSkip() ??
  (missing.length > 0 ? `SKIP: no TLS test node (${missing.join(', ')} unset): eval "$(test/services.sh start --remote)"` : undefined);

const FIXTURE = unique('tlost');
const text = (path: string): string => readFileSync(path, 'utf8');
const credentials = () => ({
  privateKey: text(env.AIRGAP_TEST_NODE_TLS_KEY!),
  cert: text(env.AIRGAP_TEST_NODE_TLS_CERT!),
  ca: text(env.AIRGAP_TEST_NODE_TLS_CA!),
});
let c: RunnerCore;
let proxy: FreezableProxy;

before(async () => {
  if (skip) return;
  const node = parseNodeAddress(env.AIRGAP_TEST_NODE_TLS!);
  proxy = await FreezableProxy.start(node.host, node.port);
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('tlostnet'))]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (skip) return;
  proxy.thaw();
  await proxy.close();
  await c.env.core.stopRunner('the test ended');
  await removeLeftovers(env.AIRGAP_TEST_NODE_TLS!, env.AIRGAP_TEST_NODE_TLS_SERVER_CERT!, c.env.core.store.workstationId, credentials());
  await c.cleanup();
});

describe('a TLS node that stops answering', { skip }, () => {
  test('frozen mid-run behind a proxy: the watch settles the run interrupted within the bound; the next run sweeps and clears it', async () => {
    const name = unique('tlp');
    // Enrolled at the proxy's address with the node's own certificate pinned: the pin holds through it.
    const added = await c.admin('nodes.add', {
      name,
      address: `tcp://127.0.0.1:${proxy.port}`,
      pin: text(env.AIRGAP_TEST_NODE_TLS_SERVER_CERT!),
      ...credentials(),
    });
    assert.equal(added.state, 'enabled');
    assert.equal(added.transport, 'tls');
    const { id } = await c.op1('runs.start', { bundle: FIXTURE, task: 'hold', values: { SECONDS_TO_HOLD: '300' }, node: name });
    await until(async () => (await c.op1('runs.logs', { id })).lines.some((l) => l.text === 'holding'), 60_000, 'the task to print');

    const t0 = Date.now();
    proxy.freeze();
    let elapsed: number;
    try {
      await c.env.core.runner.waitFor(id);
      elapsed = Date.now() - t0;
    } finally {
      proxy.thaw();
    }
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'interrupted', run.error ?? '');
    // Nothing but the watch can tell: it gives up after SILENCE_LIMIT_MS, checked every HEARTBEAT_MS.
    assert.ok(elapsed >= SILENCE_LIMIT_MS - HEARTBEAT_MS, `settled after ${elapsed} ms: the watch, not a dropped connection`);
    const bound = SILENCE_LIMIT_MS + 2 * HEARTBEAT_MS;
    assert.ok(elapsed < bound, `settled in ${elapsed} ms, within ${bound} ms`);
    const lines = (await c.op1('runs.logs', { id })).lines.map((l) => l.text);
    assert.ok(
      lines.some((l) => l.includes(`interrupted: node ${name} stopped answering`)),
      lines.join('\n'),
    );
    const marked = await c.op1('nodes.show', { name });
    assert.match(marked.unreachable?.reason ?? '', /no answer for \d+ s/);

    // Thawed: the next run through the proxy sweeps what the interrupted one left, and clears the mark.
    const next = await c.run({ bundle: FIXTURE, task: 'quick', node: name });
    assert.equal(next.outcome, 'succeeded', next.error ?? '');
    assert.equal((await c.op1('nodes.show', { name })).unreachable, null);
    const remote = openRemoteEngine(
      parseNodeAddress(env.AIRGAP_TEST_NODE_TLS!),
      pinFrom('tls', text(env.AIRGAP_TEST_NODE_TLS_SERVER_CERT!)),
      credentials(),
    );
    try {
      const label = `${NODE_LABELS.runId}=${id}`;
      assert.deepEqual(await remote.engine.listContainers({ label }), [], "the interrupted run's containers were swept");
      assert.deepEqual(await remote.engine.listVolumes({ label }), [], 'and its volumes');
    } finally {
      await remote.close();
    }
  });
});
