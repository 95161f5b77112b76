/**
 * A process holding the core with schedules is killed with SIGKILL during scheduled runs on the real
 * engine, then restarted and unlocked: every run is settled exactly once (one runs.end each), no
 * container and no secret folder is left, every occurrence is handled once, and the schedule goes on
 * firing after the restart. The `service` command is not on main yet, so the core runs in a child
 * node process of this test (scheduler-child.ts) instead.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LABELS } from '../../../src/runner';
import { listSecretFolders, secretRoot } from '../../../src/vault/mount';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('rts');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SPEED = '20';
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('rtsnet'))]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
  await c.op1('vault.add', { name: 'canary', value: Buffer.from('schedule-kill-canary-value').toString('base64') });
  await c.op1('vault.bind', { name: 'canary', bundles: [FIXTURE] });
});

after(async () => {
  if (!skip) await c.cleanup();
});

function startChild(base: string, origin: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/integration/runner/scheduler-child.ts', c.env.home, 'op1', 'op1-password-123', base, String(origin), SPEED],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the scheduler process exited with ${code} before it was ready`)));
  });
}

const db = () => c.env.core.store.db;
const scheduledRuns = (id: string) =>
  db().prepare('SELECT id, state, outcome, created_at FROM runs WHERE schedule_id = ? ORDER BY created_at').all(id) as Array<{
    id: string;
    state: string;
    outcome: string | null;
    created_at: string;
  }>;

describe('scheduled runs across a SIGKILL', { skip }, () => {
  test('killed during a scheduled run, restarted and unlocked: settled once, nothing left, the schedule goes on once per occurrence', async () => {
    const s = await c.op1('schedules.add', {
      name: 'canary every minute',
      bundle: FIXTURE,
      task: 'canary',
      values: { HOLD: '5' },
      secrets: { canary: 'canary' },
      everySeconds: 60,
      timeZone: 'UTC',
      missed: 'once',
    });
    const base = new Date(c.env.clock.now().getTime() + 55_000).toISOString();
    const origin = Date.now();
    const first = await startChild(base, origin);
    await until(() => scheduledRuns(s.id).some((r) => r.state === 'running'), 60_000, 'a scheduled run to be running');
    const killed = scheduledRuns(s.id).find((r) => r.state === 'running')!;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // Down for a few (accelerated) minutes, then restarted and unlocked.
    await new Promise((r) => setTimeout(r, 3000));
    const second = await startChild(base, origin);
    await until(
      () => scheduledRuns(s.id).some((r) => r.created_at > killed.created_at && r.state === 'finished'),
      90_000,
      'a scheduled run after the restart to finish',
    );
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const runs = scheduledRuns(s.id);
    assert.equal(runs.find((r) => r.id === killed.id)?.outcome, 'interrupted', 'the killed run was settled by the restarted core');
    assert.ok(
      runs.every((r) => r.state === 'finished'),
      JSON.stringify(runs),
    );
    for (const r of runs) {
      const ends = db().prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'runs.end' AND target = ?").get(`run:${r.id}`) as {
        n: number;
      };
      assert.equal(ends.n, 1, `run ${r.id} has exactly one runs.end`);
    }
    const events = (await c.op1('schedules.show', { id: s.id, limit: 1000 })).events;
    const started = events.filter((e) => e.result === 'started');
    assert.equal(started.length, runs.length, 'one started occurrence per run, one run per started occurrence');
    assert.equal(new Set(events.map((e) => e.occurrence)).size, events.length, 'no occurrence handled twice');
    assert.ok(
      events.some((e) => e.result === 'skipped' && /missed|overlap/.test(e.reason ?? '')),
      'the downtime or overlaps are recorded',
    );
    const ws = c.env.core.store.workstationId;
    assert.equal((await c.engine.listContainers({ label: `${LABELS.workstation}=${ws}` })).length, 0, 'no container left');
    assert.deepEqual(listSecretFolders(secretRoot({ workstationId: ws, home: c.env.home, allowDisk: false })), [], 'no secret folder left');
  });
});
