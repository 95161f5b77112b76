/**
 * Issue 15 item 3, through the contract: the notices Electron main turns into desktop notifications
 * and the counts the navigation shows, decided by the core for each signed-in user and delivered by
 * main's own SessionBridge (the Electron Notification itself is tested in test/unit/main/notify.test.ts
 * with Electron faked, because the Electron binary is not installed here). Real dockerd, real runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { directLink } from '../../../main/core-link';
import { SessionBridge, type Notice } from '../../../main/session-bridge';
import type { SubEvent } from '../../../src/api/contract';
import { addUser } from '../../helpers/core';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, SAMPLES, unique, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('att');
const OP1 = 1;
const OP2 = 2;
const VIEWER = 3;
let c: RunnerCore;
let bridge: SessionBridge<number>;
const notices = new Map<number, Notice[]>();
const counts = new Map<number, Array<SubEvent<'attention.counts'>>>();

function heard(key: number): Notice[] {
  return notices.get(key) ?? [];
}

function lastCounts(key: number): SubEvent<'attention.counts'> | undefined {
  return counts.get(key)?.at(-1);
}

async function signIn(key: number, name: string, password: string): Promise<void> {
  const result = await bridge.call(key, 'auth.signIn', { name, password });
  assert.ok(result.ok, JSON.stringify(result));
  const sub = await bridge.subscribe(key, 1, 'attention.counts', {}, (e) =>
    counts.set(key, [...(counts.get(key) ?? []), e as SubEvent<'attention.counts'>]),
  );
  assert.ok(sub.ok);
}

async function start(key: number, input: Record<string, unknown>): Promise<string> {
  const result = await bridge.call(key, 'runs.start', input);
  assert.ok(result.ok, JSON.stringify(result));
  return (result.value as { id: string }).id;
}

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([join(SAMPLES, 'service-restart'), fixtureBundleDir(FIXTURE, unique('attnet'))]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
  await addUser(c.env.core, c.env.admin, 'vera', ['viewer']);
  // Main's bridge over the in-process core, with main's hook for notices.
  bridge = new SessionBridge<number>(directLink(c.env.core), {
    onNotice: (key, notice) => notices.set(key, [...heard(key), notice]),
  });
  await signIn(OP1, 'op1', 'op1-password-123');
  await signIn(OP2, 'op2', 'op2-password-123');
});

after(async () => {
  if (skip) return;
  for (const key of [OP1, OP2, VIEWER]) await bridge.forget(key);
  await c.cleanup();
});

describe('notices and counts through the contract (real dockerd)', { skip }, () => {
  test('the user who started a run hears that it ended; nobody else does', async () => {
    const id = await start(OP1, { bundle: FIXTURE, task: 'fail' });
    await until(() => heard(OP1).some((n) => n.runId === id), 20_000, 'the run-ended notice');
    const notice = heard(OP1).find((n) => n.runId === id)!;
    assert.equal(notice.kind, 'run-ended');
    assert.equal(notice.title, 'Fixture fail failed');
    assert.match(notice.body, new RegExp(`^${FIXTURE} 1\\.0\\.0$`));
    assert.equal(heard(OP2).filter((n) => n.runId === id).length, 0, 'another operator is not told of a run they did not start');
    await until(() => lastCounts(OP1)?.runsInProgress === 0, 5_000, 'no run in progress');
  });

  test('a run waiting for approval: the other operator is told and counts it; the starter is not', async () => {
    await c.admin('policy.allow', { tags: ['access:read-write'] });
    await c.admin('settings.set', { key: 'runner.requireApproval', value: true });
    await c.op1('vault.add', { name: 'service-token', value: Buffer.from('svc-token-4b1d').toString('base64') });
    await c.op1('vault.bind', { name: 'service-token', bundles: ['service-restart'] });
    const id = await start(OP1, {
      bundle: 'service-restart',
      task: 'restart-service',
      values: { SERVICE_NAME: 'nginx.service' },
      reason: 'workers stuck after the deploy',
    });
    await until(() => heard(OP2).some((n) => n.runId === id), 5_000, 'the approval notice');
    const notice = heard(OP2).find((n) => n.runId === id)!;
    assert.equal(notice.kind, 'approval-waiting');
    assert.equal(notice.title, 'A run waits for your approval');
    assert.match(notice.body, /^op1 wants to run .+ \(service-restart .+\): “workers stuck after the deploy”$/);
    assert.equal(heard(OP1).filter((n) => n.runId === id).length, 0, 'the starter cannot approve their own run');
    await until(() => lastCounts(OP2)?.approvalsWaiting === 1, 5_000, 'op2 counts one approval waiting');
    assert.equal(lastCounts(OP1)?.approvalsWaiting, 0, 'op1 may not approve their own run: not counted');

    // A viewer may not approve: neither told nor counted.
    await signIn(VIEWER, 'vera', 'vera-password-123');
    await until(() => lastCounts(VIEWER) !== undefined, 5_000, 'the viewer’s counts');
    assert.equal(lastCounts(VIEWER)?.approvalsWaiting, 0);

    const approved = await bridge.call(OP2, 'runs.approve', { id });
    assert.ok(approved.ok, JSON.stringify(approved));
    await until(() => heard(OP1).some((n) => n.runId === id), 20_000, 'the run-ended notice after approval');
    assert.equal(heard(OP1).find((n) => n.runId === id)!.kind, 'run-ended');
    await until(() => lastCounts(OP2)?.approvalsWaiting === 0, 5_000, 'the approval no longer counted');
    assert.equal(heard(VIEWER).length, 0, 'the viewer heard nothing');
    await c.admin('settings.set', { key: 'runner.requireApproval', value: false });
  });

  test('signing out ends the notices: a run ending afterwards is not announced', async () => {
    const id = await start(OP1, { bundle: FIXTURE, task: 'quick' });
    await bridge.call(OP1, 'auth.signOut', {});
    await c.env.core.runner.waitFor(id);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard(OP1).filter((n) => n.runId === id).length, 0);
  });
});
