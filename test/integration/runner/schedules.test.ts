/**
 * A scheduled run on the real Docker engine (docs/schedules.md): the core's scheduler timer fires an
 * interval schedule of host-health as an ordinary hardened run, whose actor is the schedule and its
 * owner, and leaves no container. The core's clock is the tests' fixed clock, moved past the
 * occurrence, so the 60 s minimum interval takes no minute of real time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LABELS } from '../../../src/runner';
import { dockerSkip, mirrorOf, runnerCore, SAMPLES, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([join(SAMPLES, 'host-health')]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (!skip) await c.cleanup();
});

describe('a schedule on the real engine', { skip }, () => {
  test('the scheduler fires an interval schedule once as a hardened run, recorded with the schedule and its owner', async () => {
    const core = c.env.core;
    const s = await c.op1('schedules.add', {
      name: 'disk every minute',
      bundle: 'host-health',
      task: 'check-disk-usage',
      values: { DISK_USAGE_THRESHOLD_PERCENT: '0' },
      everySeconds: 60,
      timeZone: 'Europe/Berlin',
    });
    // The desktop core's way: a live operator session holds the vault key; the timer ticks every 200 ms.
    core.scheduler.start(200);
    c.env.clock.advance(61_000);
    for (const session of core.sessions.all()) session.lastActive = c.env.clock.now().getTime();
    await until(async () => (await c.op1('schedules.show', { id: s.id })).events.length > 0, 20_000, 'the occurrence to be handled');
    const [event] = (await c.op1('schedules.show', { id: s.id })).events;
    assert.equal(event!.result, 'started', event!.reason ?? '');
    const runId = event!.runId!;
    await core.runner.waitFor(runId);
    const run = await c.op1('runs.show', { id: runId });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(run.startedBy, 'op1');
    assert.equal(run.sandbox?.network, 'none');
    assert.equal(run.sandbox?.readOnlyRootfs, true);
    assert.ok(run.issueList.length >= 1);
    const audit = core.store.db
      .prepare("SELECT actor FROM audit_events WHERE action = 'runs.start' AND target = ?")
      .get(`run:${runId}`) as {
      actor: string;
    };
    assert.equal(audit.actor, `schedule:${s.id}/user:op1`);
    // Still within the same occurrence: nothing more fires.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await c.op1('schedules.show', { id: s.id })).events.length, 1);
    assert.equal((await c.op1('runs.list', {})).total, 1);
    await core.scheduler.stop();
    const ours = await c.engine.listContainers({ label: `${LABELS.workstation}=${core.store.workstationId}` });
    assert.equal(ours.length, 0, 'no container left');
  });
});
