/**
 * Placement on the real nodes of `test/services.sh start --remote` (issue 17): by the task's own
 * `placement.labels` in codebundle.yaml and by the operator's labels, read-write only where an
 * admin labelled a node `read-write=allowed`, clear refusals when nothing fits, per-node
 * concurrency, and a read-only run retried on another node when its node stops answering (only this
 * process's SSH connection to the shared node is frozen: freeze.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rejects } from '../../helpers/core';
import { removeLeftovers, whileFrozen } from './freeze';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from '../runner/fixture';

const env = process.env;
const NEEDED = ['AIRGAP_TEST_NODE_SSH_DOCKER', 'AIRGAP_TEST_NODE_SSH_PODMAN', 'AIRGAP_TEST_NODE_SSH_KEY'];
const missing = NEEDED.filter((n) => !env[n]);
const skip =
  dockerSkip() ??
  (missing.length > 0 ? `SKIP: no remote test nodes (${missing.join(', ')} unset): eval "$(test/services.sh start --remote)"` : undefined);

const FIXTURE = unique('plc');
let c: RunnerCore;
const text = (path: string): string => readFileSync(path, 'utf8');

const NODES = {
  sd: () => ({
    address: env.AIRGAP_TEST_NODE_SSH_DOCKER!,
    hostKey: env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!,
    netns: env.AIRGAP_TEST_NODE_SSH_DOCKER_NETNS!,
  }),
  sp: () => ({
    address: env.AIRGAP_TEST_NODE_SSH_PODMAN!,
    hostKey: env.AIRGAP_TEST_NODE_SSH_PODMAN_HOSTKEY!,
    netns: env.AIRGAP_TEST_NODE_SSH_PODMAN_NETNS!,
  }),
};
type Which = keyof typeof NODES;
/** Node name (in this test's store) -> which test node it is. */
const enrolled = new Map<string, Which>();

async function enrol(which: Which, labels: Record<string, string>, maxConcurrency = 2): Promise<string> {
  const name = unique(`${which}`);
  const n = NODES[which]();
  await c.admin('nodes.add', {
    name,
    address: n.address,
    pin: text(n.hostKey),
    privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!),
    labels,
    maxConcurrency,
  });
  enrolled.set(name, which);
  return name;
}

before(async () => {
  if (skip) return;
  const dir = fixtureBundleDir(FIXTURE, unique('plcnet'));
  const yaml = join(dir, 'codebundle.yaml');
  writeFileSync(
    yaml,
    text(yaml) +
      `  - id: placed\n    title: Placed by its bundle\n    tags: [access:read-only]\n    access: read-only\n    command: [/bin/sh, -c, 'echo placed']\n    placement:\n      labels: { segment: dc1 }\n` +
      `  - id: rw\n    title: Writes\n    tags: [access:read-write]\n    access: read-write\n    command: [/bin/sh, -c, 'echo wrote']\n`,
  );
  const mirror = await mirrorOf([dir]);
  c = await runnerCore();
  await c.admin('policy.allow', { tags: ['access:read-write'] });
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (skip) return;
  await c.env.core.stopRunner('the test ended');
  for (const which of ['sd', 'sp'] as const) {
    const n = NODES[which]();
    await removeLeftovers(n.address, n.hostKey, c.env.core.store.workstationId);
  }
  await c.cleanup();
});

describe('placement on nodes', { skip }, () => {
  test("by the task's labels and the operator's; read-write only where allowed; clear refusals when nothing fits", async () => {
    const dc1 = await enrol('sd', { segment: 'dc1' });
    const dc2 = await enrol('sp', { segment: 'dc2', 'read-write': 'allowed' });

    // The task's own placement (codebundle.yaml) sends it to the dc1 node without the operator saying so.
    const placed = await c.run({ bundle: FIXTURE, task: 'placed' });
    assert.equal(placed.outcome, 'succeeded', placed.error ?? '');
    assert.equal(placed.node, dc1);
    assert.equal(placed.sandbox?.node, dc1);
    assert.deepEqual(placed.placement, { labels: { segment: 'dc1' }, node: null, retryElsewhere: false });
    // The operator's labels.
    const quick = await c.run({ bundle: FIXTURE, task: 'quick', placement: { segment: 'dc2' } });
    assert.equal(quick.outcome, 'succeeded', quick.error ?? '');
    assert.equal(quick.node, dc2);
    assert.equal(quick.sandbox?.inspected?.readOnlyRootfs, true, "the node's inspect is recorded");
    // Without any placement: this workstation.
    const here = await c.run({ bundle: FIXTURE, task: 'quick' });
    assert.equal(here.node, null);
    assert.equal(here.placement, null);

    // Nothing fits: refused before anything is recorded, naming each node and why.
    const before = (await c.op1('runs.list', {})).total;
    const none = await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'quick', placement: { segment: 'dc9' } }), 'POLICY_DENIED');
    assert.match(none, /needs segment=dc9/);
    assert.ok(none.includes(`${dc1} (it lacks segment=dc9)`), none);
    // The operator cannot move a task off its own placement.
    assert.match(
      await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'placed', placement: { segment: 'dc2' } }), 'INVALID_INPUT'),
      /asks for segment=dc1/,
    );
    // A named node that lacks the task's labels.
    assert.match(
      await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'placed', node: dc2 }), 'POLICY_DENIED'),
      new RegExp(`Node ${dc2} cannot take this run: it lacks segment=dc1\\. Nodes that fit: ${dc1}`),
    );
    // Read-write: only on the node an admin labelled read-write=allowed.
    assert.match(
      await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'rw', reason: 'INC-1', node: dc1 }), 'POLICY_DENIED'),
      /read-write=allowed/,
    );
    const rw = await c.run({ bundle: FIXTURE, task: 'rw', reason: 'INC-1', placement: { segment: 'dc2' } });
    assert.equal(rw.outcome, 'succeeded', rw.error ?? '');
    assert.equal(rw.node, dc2);
    // A retry elsewhere is for read-only tasks on nodes.
    await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'rw', reason: 'x', node: dc2, retryElsewhere: true }), 'INVALID_INPUT');
    await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'quick', retryElsewhere: true }), 'INVALID_INPUT');
    // ...placed by labels: with one named node there is nowhere else to go.
    assert.match(
      await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'quick', node: dc1, retryElsewhere: true }), 'INVALID_INPUT'),
      /placed by labels/,
    );
    assert.equal((await c.op1('runs.list', {})).total, before + 1, 'refusals recorded no run (the one run was rw)');

    // Prune (admin only): the images this workstation sent to the node go; the next run there sends it again.
    await rejects(c.op1('nodes.prune', { name: dc1 }), 'FORBIDDEN');
    const pruned = await c.admin('nodes.prune', { name: dc1 });
    assert.deepEqual(pruned.removed, [placed.imageId]);
    assert.deepEqual(pruned.kept, []);
    assert.deepEqual((await c.op1('nodes.show', { name: dc1 })).images, []);
    const again = await c.run({ bundle: FIXTURE, task: 'placed' });
    assert.equal(again.outcome, 'succeeded', again.error ?? '');
    assert.deepEqual((await c.op1('nodes.show', { name: dc1 })).images, [placed.imageId]);
  });

  test("a scheduled run is placed like one started by hand: the task's labels choose an enrolled node", async () => {
    const core = c.env.core;
    const s = await c.op1('schedules.add', { name: unique('placed'), bundle: FIXTURE, task: 'placed', everySeconds: 60, timeZone: 'UTC' });
    c.env.clock.advance(61_000);
    for (const session of core.sessions.all()) session.lastActive = c.env.clock.now().getTime();
    const fired = await core.scheduler.tick();
    assert.equal(fired.kind, 'handled', JSON.stringify(fired));
    const [event] = (await c.op1('schedules.show', { id: s.id })).events;
    assert.equal(event!.result, 'started', event!.reason ?? '');
    await core.runner.waitFor(event!.runId!);
    const run = await c.op1('runs.show', { id: event!.runId! });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(enrolled.get(run.node ?? ''), 'sd', `ran on an enrolled node with segment=dc1, not here (node: ${run.node})`);
    assert.equal(run.sandbox?.node, run.node);
    assert.deepEqual(run.placement, { labels: { segment: 'dc1' }, node: null, retryElsewhere: false });
    assert.ok((await c.op1('runs.logs', { id: run.id })).lines.some((l) => l.text === 'placed'));
    await c.op1('schedules.remove', { id: s.id });
  });

  test("per-node concurrency: a node's second run waits for its slot while the workstation's limit does not apply", async () => {
    const one = await enrol('sd', { slots: 'one' }, 1);
    const a = await c.op1('runs.start', { bundle: FIXTURE, task: 'hold', values: { SECONDS_TO_HOLD: '4' }, node: one });
    const b = await c.op1('runs.start', { bundle: FIXTURE, task: 'hold', values: { SECONDS_TO_HOLD: '4' }, node: one });
    await until(async () => (await c.op1('runs.show', { id: a.id })).state === 'running', 60_000, 'the first run to start');
    assert.equal((await c.op1('runs.show', { id: b.id })).state, 'queued', 'the second waits for the slot');
    assert.equal((await c.op1('nodes.show', { name: one })).running, 1, 'the node shows its one run');
    await c.env.core.runner.waitFor(b.id);
    const second = await c.op1('runs.show', { id: b.id });
    const first = await c.op1('runs.show', { id: a.id });
    assert.equal(first.outcome, 'succeeded');
    assert.equal(second.outcome, 'succeeded');
    assert.ok(second.startedAt! >= first.endedAt!, 'started after the first ended');
    assert.equal((await c.op1('nodes.list', {})).nodes.find((n) => n.name === one)?.running, 0);
  });

  test('a read-only run retried elsewhere when its node stops answering, recorded with the run it retries', async () => {
    await enrol('sd', { pool: 'retry' });
    await enrol('sp', { pool: 'retry' });
    const { id } = await c.op1('runs.start', {
      bundle: FIXTURE,
      task: 'hold',
      values: { SECONDS_TO_HOLD: '5' },
      placement: { pool: 'retry' },
      retryElsewhere: true,
    });
    await until(async () => (await c.op1('runs.logs', { id })).lines.some((l) => l.text === 'holding'), 60_000, 'the task to print');
    const first = (await c.op1('runs.show', { id })).node!;
    const n = NODES[enrolled.get(first)!]();
    await whileFrozen(n.address, n.netns, async () => await c.env.core.runner.waitFor(id));
    const lost = await c.op1('runs.show', { id });
    assert.equal(lost.outcome, 'interrupted');
    let retry: string | undefined;
    await until(
      async () => {
        for (const r of (await c.op1('runs.list', { limit: 20 })).runs)
          if ((await c.op1('runs.show', { id: r.id })).retryOf === id) retry = r.id;
        return retry !== undefined;
      },
      10_000,
      'the retry',
    );
    await c.env.core.runner.waitFor(retry!);
    const again = await c.op1('runs.show', { id: retry! });
    assert.equal(again.outcome, 'succeeded', again.error ?? '');
    const shown = await c.op1('runs.show', { id: retry! });
    assert.notEqual(shown.node, first, 'on the other node');
    assert.equal(enrolled.has(shown.node!), true);
    assert.deepEqual(shown.placement, { labels: { pool: 'retry' }, node: null, retryElsewhere: true });
    const events = await c.admin('audit.list', { limit: 1000 });
    assert.ok(
      events.events.some((e) => e.action === 'runs.retry' && e.target === `run:${retry}`),
      'the retry is audited',
    );
  });
});
