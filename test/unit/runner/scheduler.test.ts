/**
 * The scheduler on a fake clock and a fake engine (docs/schedules.md): daylight-saving nights,
 * blackouts, overlap, missed runs after downtime (once and skip), pause and resume, the two-person
 * approval of a read-write schedule, the seal, and scheduled runs being ordinary runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { as, rejects, signIn } from '../../helpers/core';
import { runnerEnv } from './runner-env';

type Env = Awaited<ReturnType<typeof runnerEnv>>;

async function scheduled(behave?: Parameters<typeof runnerEnv>[0]) {
  const env = signedIn(await runnerEnv(behave));
  const keyring = env.core.sessions.all().find((s) => s.id === env.sessions.op1)!.keyring;
  env.core.unsealScheduler(keyring);
  return env;
}

/** The test's users stay signed in while the fake clock crosses days (a person keeps using the app). */
function keepSignedIn(env: Env): void {
  for (const session of env.core.sessions.all()) session.lastActive = env.clock.now().getTime();
}

/** Moving the fake clock keeps the test's users signed in. */
function signedIn(env: Env): Env {
  const clock = env.clock;
  const set = clock.set.bind(clock);
  const advance = clock.advance.bind(clock);
  env.clock.set = (d) => {
    set(d);
    keepSignedIn(env);
  };
  env.clock.advance = (ms) => {
    advance(ms);
    keepSignedIn(env);
  };
  return env;
}

/** One tick at the clock's time; waits for the runs it started to settle. */
async function tick(env: Env) {
  keepSignedIn(env);
  const r = await env.core.scheduler.tick();
  if (r.kind === 'handled') for (const id of r.started) await env.core.runner.waitFor(id);
  return r;
}

/** Ticks every `stepMs` from now to `until`, returning the ids of the runs started. */
async function tickThrough(env: Env, until: string, stepMs: number) {
  const started: string[] = [];
  while (env.clock.now().getTime() < Date.parse(until)) {
    env.clock.advance(stepMs);
    const r = await tick(env);
    if (r.kind === 'handled') started.push(...r.started);
  }
  return started;
}

const createdAt = async (env: Env, ids: string[]) =>
  await Promise.all(ids.map(async (id) => (await env.op1('runs.show', { id })).createdAt));
const eventsOf = async (env: Env, id: string) => (await env.op1('schedules.show', { id, limit: 1000 })).events;

test('spring forward in Europe/Berlin: a 02:30 daily task runs once each day, at 03:00 CEST on the night 02:30 does not exist', async () => {
  const env = await scheduled();
  env.clock.set('2027-03-26T12:00:00Z');
  const s = await env.op1('schedules.add', {
    name: 'nightly',
    bundle: 'svc',
    task: 'check',
    cron: '30 2 * * *',
    timeZone: 'Europe/Berlin',
  });
  const started = await tickThrough(env, '2027-03-30T12:00:00Z', 5 * 60_000);
  assert.deepEqual(await createdAt(env, started), [
    '2027-03-27T01:30:00.000Z',
    '2027-03-28T01:00:00.000Z',
    '2027-03-29T00:30:00.000Z',
    '2027-03-30T00:30:00.000Z',
  ]);
  const run = await env.op1('runs.show', { id: started[0]! });
  assert.equal(run.startedBy, 'op1', 'the owner started it');
  const audit = env.core.store.db
    .prepare("SELECT actor, details FROM audit_events WHERE action = 'runs.start' ORDER BY seq DESC LIMIT 1")
    .get() as {
    actor: string;
    details: string;
  };
  assert.equal(audit.actor, `schedule:${s.id}/user:op1`);
  assert.equal(JSON.parse(audit.details).schedule, s.id);
  await env.done();
});

test('fall back in Europe/Berlin: 02:30 happens twice on 31 October 2027 and the task runs once', async () => {
  const env = await scheduled();
  env.clock.set('2027-10-29T12:00:00Z');
  await env.op1('schedules.add', { name: 'nightly', bundle: 'svc', task: 'check', cron: '30 2 * * *', timeZone: 'Europe/Berlin' });
  const started = await tickThrough(env, '2027-11-01T12:00:00Z', 5 * 60_000);
  assert.deepEqual(await createdAt(env, started), ['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
  await env.done();
});

test('a blackout skips the occurrence with the reason recorded; the next one outside it runs', async () => {
  const env = await scheduled();
  env.clock.set('2026-12-05T18:00:00Z'); // a Saturday
  const s = await env.op1('schedules.add', {
    name: 'hourly',
    bundle: 'svc',
    task: 'check',
    cron: '0 * * * *',
    timeZone: 'Europe/Berlin',
    blackouts: [{ kind: 'weekly', days: ['sat'], start: '22:00', end: '01:00', label: 'maintenance' }],
  });
  const started = await tickThrough(env, '2026-12-06T01:00:00Z', 60_000);
  // 19:00 .. 20:00 UTC are 20:00, 21:00 CET; 21:00 .. 23:00 UTC (22:00 .. 24:00 CET) are blacked out; 00:00 UTC is 01:00 CET.
  assert.deepEqual(await createdAt(env, started), [
    '2026-12-05T19:00:00.000Z',
    '2026-12-05T20:00:00.000Z',
    '2026-12-06T00:00:00.000Z',
    '2026-12-06T01:00:00.000Z',
  ]);
  const skipped = (await eventsOf(env, s.id)).filter((e) => e.result === 'skipped');
  assert.deepEqual(
    skipped.map((e) => e.occurrence),
    ['2026-12-05T23:00:00.000Z', '2026-12-05T22:00:00.000Z', '2026-12-05T21:00:00.000Z'],
  );
  assert.match(skipped[0]!.reason ?? '', /blackout "maintenance" sat 22:00-01:00/);
  await env.done();
});

test("an occurrence while the schedule's previous run still runs is skipped as an overlap, never run twice at once", async () => {
  const env = await scheduled((spec) => (spec.command.includes('hang') ? { hang: true } : { exitCode: 0 }));
  const s = await env.op1('schedules.add', { name: 'slow', bundle: 'svc', task: 'hang', everySeconds: 60, timeZone: 'UTC' });
  env.clock.advance(60_000);
  const first = await env.core.scheduler.tick();
  assert.equal(first.kind, 'handled');
  const runId = first.kind === 'handled' ? first.started[0]! : '';
  env.clock.advance(60_000);
  const second = await env.core.scheduler.tick();
  assert.deepEqual(second.kind === 'handled' ? [second.started, second.skipped] : second, [[], 1]);
  const [overlap] = await eventsOf(env, s.id);
  assert.equal(overlap!.result, 'skipped');
  assert.match(overlap!.reason ?? '', new RegExp(`overlap: the previous run ${runId} is still (queued|running)`));
  assert.equal((await env.core.runner.waitFor(runId))?.outcome, 'timed-out');
  env.clock.advance(60_000);
  const third = await tick(env);
  assert.equal(third.kind === 'handled' ? third.started.length : 0, 1, 'after it ended the next occurrence runs');
  await env.done();
});

test('missed runs after downtime: policy "once" runs one now for all of them, policy "skip" runs none; both record what was missed', async () => {
  const env = await scheduled();
  env.clock.set('2026-12-01T10:00:00Z');
  const once = await env.op1('schedules.add', {
    name: 'once',
    bundle: 'svc',
    task: 'check',
    cron: '0 * * * *',
    timeZone: 'UTC',
    missed: 'once',
  });
  const skip = await env.op1('schedules.add', {
    name: 'skip',
    bundle: 'svc',
    task: 'check',
    cron: '0 * * * *',
    timeZone: 'UTC',
    missed: 'skip',
  });
  // Down from 10:00 to 15:30: 11:00 .. 15:00 were missed.
  env.clock.set('2026-12-01T15:30:00Z');
  const r = await tick(env);
  assert.equal(r.kind, 'handled');
  assert.equal(r.kind === 'handled' ? r.started.length : -1, 1);
  const onceEvents = await eventsOf(env, once.id);
  assert.deepEqual(
    onceEvents.map((e) => [e.occurrence, e.result]),
    [
      ['2026-12-01T15:00:00.000Z', 'started'],
      ['2026-12-01T14:00:00.000Z', 'skipped'],
    ],
  );
  assert.match(
    onceEvents[1]!.reason ?? '',
    /4 occurrences from 2026-12-01T11:00:00.000Z to 2026-12-01T14:00:00.000Z were missed.*policy "once": the run for 2026-12-01T15:00:00.000Z stands for them/,
  );
  const skipEvents = await eventsOf(env, skip.id);
  assert.deepEqual(
    skipEvents.map((e) => [e.occurrence, e.result]),
    [['2026-12-01T15:00:00.000Z', 'skipped']],
  );
  assert.match(skipEvents[0]!.reason ?? '', /5 occurrences .* were missed.*policy "skip": none is run/);
  // Nothing is handled twice: the next tick is idle; the next occurrence (16:00) runs once for each.
  assert.equal((await tick(env)).kind, 'idle');
  env.clock.set('2026-12-01T16:00:05Z');
  const next = await tick(env);
  assert.equal(next.kind === 'handled' ? next.started.length : -1, 2);
  await env.done();
});

test('pause and resume: nothing runs while paused, paused occurrences are not "missed"; only the owner resumes; any operator pauses', async () => {
  const env = await scheduled();
  env.clock.set('2026-12-01T10:00:00Z');
  const s = await env.op1('schedules.add', { name: 'p', bundle: 'svc', task: 'check', everySeconds: 600, timeZone: 'UTC' });
  const paused = await env.op2('schedules.pause', { id: s.id });
  assert.equal(paused.status, 'paused');
  assert.equal(paused.next, null);
  assert.deepEqual(await tickThrough(env, '2026-12-01T11:00:00Z', 60_000), []);
  await rejects(env.op2('schedules.resume', { id: s.id }), 'FORBIDDEN');
  await rejects(env.viewer('schedules.pause', { id: s.id }), 'FORBIDDEN');
  const resumed = await env.op1('schedules.resume', { id: s.id });
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.next, '2026-12-01T11:10:00.000Z');
  const started = await tickThrough(env, '2026-12-01T11:20:00Z', 60_000);
  assert.deepEqual(await createdAt(env, started), ['2026-12-01T11:10:00.000Z', '2026-12-01T11:20:00.000Z']);
  assert.deepEqual(
    (await eventsOf(env, s.id)).filter((e) => e.result !== 'started'),
    [],
    'no occurrence was recorded as missed',
  );
  await env.done();
});

test("a read-write task's schedule waits for another operator's approval, once; a change asks again; its runs carry the approval", async () => {
  const env = await scheduled(() => ({ exitCode: 0 }));
  await env.adminCall('settings.set', { key: 'runner.requireApproval', value: true });
  env.bundles.policy = { allow: ['access:read-write'], deny: [] };
  await env.op1('vault.add', { name: 'token', value: Buffer.from('tok-value-123').toString('base64') });
  await env.op1('vault.bind', { name: 'token', bundles: ['svc'] });
  const input = { name: 'rw', bundle: 'svc', task: 'restart', values: { SERVICE_NAME: 'nginx' }, everySeconds: 3600, timeZone: 'UTC' };
  await rejects(env.op1('schedules.add', input), 'INVALID_INPUT'); // no reason
  const s = await env.op1('schedules.add', { ...input, reason: 'nightly restart of the leaky worker' });
  assert.equal(s.status, 'awaiting-approval');
  env.clock.advance(3600_000);
  assert.equal((await tick(env)).kind, 'idle', 'nothing runs before approval');
  await rejects(env.op1('schedules.approve', { id: s.id }), 'FORBIDDEN');
  await rejects(env.viewer('schedules.approve', { id: s.id }), 'FORBIDDEN');
  assert.equal((await env.op2('schedules.approve', { id: s.id })).status, 'active');
  await rejects(env.op2('schedules.approve', { id: s.id }), 'CONFLICT');
  const runs = await tickThrough(env, new Date(env.clock.now().getTime() + 2 * 3600_000).toISOString(), 10 * 60_000);
  assert.equal(runs.length, 2, 'approved once, it runs at every occurrence');
  const run = await env.op1('runs.show', { id: runs[0]! });
  assert.deepEqual(
    [run.state, run.outcome, run.approvedBy, run.reason],
    ['finished', 'succeeded', 'op2', 'nightly restart of the leaky worker'],
  );
  const changed = await env.op1('schedules.update', { ...input, id: s.id, everySeconds: 7200, reason: 'less often' });
  assert.equal(changed.status, 'awaiting-approval');
  assert.equal(changed.revision, 2);
  env.clock.advance(7200_000);
  assert.equal((await tick(env)).kind, 'idle');
  await env.done();
});

test('the schedules are sealed: a row changed with the data key alone fires nothing and the reason is shown', async () => {
  const env = await scheduled();
  const s = await env.op1('schedules.add', { name: 't', bundle: 'svc', task: 'check', everySeconds: 60, timeZone: 'UTC' });
  env.core.store.db.prepare("UPDATE schedules SET owner = 'op2' WHERE id = ?").run(s.id);
  env.clock.advance(61_000);
  const r = await env.core.scheduler.tick();
  assert.equal(r.kind, 'refused');
  assert.match(r.kind === 'refused' ? r.why : '', /Tampering detected: the schedules differ from what was sealed \(s-/);
  assert.match((await env.viewer('schedules.list')).scheduler.problem ?? '', /Tampering/);
  await rejects(env.op1('schedules.pause', { id: s.id }), 'VERIFY_FAILED');
  assert.equal((await env.op1('runs.list')).total, 0);
  await env.done();
});

test('bad schedules are refused at once, nothing kept: an unknown task, a bad time zone, both cron and interval, jitter past the interval', async () => {
  const env = await scheduled();
  const base = { name: 'x', bundle: 'svc', task: 'check', timeZone: 'UTC' };
  await rejects(env.op1('schedules.add', { ...base, task: 'nope', everySeconds: 60 }), 'NOT_FOUND');
  await rejects(env.op1('schedules.add', { ...base, timeZone: 'Europe/Nowhere', everySeconds: 60 }), 'INVALID_INPUT');
  await rejects(env.op1('schedules.add', { ...base, everySeconds: 60, cron: '* * * * *' }), 'INVALID_INPUT');
  await rejects(env.op1('schedules.add', { ...base, everySeconds: 60, jitterSeconds: 60 }), 'INVALID_INPUT');
  await rejects(env.op1('schedules.add', { ...base, cron: '61 * * * *' }), 'INVALID_INPUT');
  assert.equal((await env.op1('schedules.list')).schedules.length, 0);
  await env.done();
});

test('locked (no vault key at hand): nothing fires until an operator unseals; a removed schedule never fires again', async () => {
  const env = signedIn(await runnerEnv());
  const s = await env.op1('schedules.add', { name: 'x', bundle: 'svc', task: 'check', everySeconds: 60, timeZone: 'UTC' });
  for (const session of env.core.sessions.all()) if (session.keyring.vault) env.core.sessions.end(session.id);
  env.clock.advance(61_000);
  assert.equal((await env.core.scheduler.tick()).kind, 'locked');
  const op2 = await signIn(env.core, 'op2', 'op2-password-123');
  env.core.unsealScheduler(env.core.sessions.all().find((x) => x.id === op2)!.keyring);
  env.core.sessions.end(op2);
  const r = await tick(env);
  assert.equal(r.kind === 'handled' ? r.started.length : -1, 1, 'unsealed, it fires with no session live');
  const op1 = as(env.core, await signIn(env.core, 'op1', 'op1-password-123'));
  await op1('schedules.remove', { id: s.id });
  env.clock.advance(10 * 60_000);
  assert.equal((await tick(env)).kind, 'idle');
  await env.done();
});
