/**
 * `schedule edit` (docs/schedules.md): the schedule as it is, with what the flags give over it. The
 * core checks the result like a new schedule and asks for approval again (test/unit/runner/scheduler.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { parseCommandLine } from '../../../src/cli/parse';
import { editedSchedule } from '../../../src/cli/commands/schedules';
import type { OpOutput } from '../../../src/api/model';

const SCHEDULE: OpOutput<'schedules.show'>['schedule'] = {
  id: 's-0123456789',
  name: 'disk check',
  bundle: 'host-health@1.0.0',
  task: 'check-disk',
  access: 'read-write',
  config: { values: { THRESHOLD: '80', MOUNT: '/' }, files: {}, secrets: { TOKEN: 'prod-token' } },
  reason: 'nightly cleanup',
  timing: { kind: 'cron', cron: '30 2 * * *', timeZone: 'Europe/Berlin' },
  blackouts: [{ kind: 'weekly', days: ['sat'], start: '22:00', end: '04:00' }],
  jitterSeconds: 60,
  missed: 'once',
  status: 'active',
  owner: 'ada',
  revision: 2,
  approvalRequired: true,
  approvedBy: 'bob',
  approvedAt: '2026-12-01T10:00:00.000Z',
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
  updatedBy: 'ada',
  next: '2026-12-05T01:30:00.000Z',
  lastRunId: null,
  lastFiredAt: null,
};

function edit(line: string[]) {
  const request = parseCommandLine(['schedule', 'edit', SCHEDULE.id, ...line]);
  assert.equal(request.kind, 'run');
  if (request.kind !== 'run') throw new Error('not a command');
  assert.equal(request.command.path.join(' '), 'schedule edit');
  return editedSchedule(SCHEDULE, request.args);
}

test('nothing given: the schedule is sent back as it is', () => {
  assert.deepEqual(edit([]), {
    id: SCHEDULE.id,
    name: 'disk check',
    bundle: 'host-health@1.0.0',
    task: 'check-disk',
    values: { THRESHOLD: '80', MOUNT: '/' },
    files: {},
    secrets: { TOKEN: 'prod-token' },
    reason: 'nightly cleanup',
    cron: '30 2 * * *',
    timeZone: 'Europe/Berlin',
    jitterSeconds: 60,
    missed: 'once',
    blackouts: SCHEDULE.blackouts,
  });
});

test('flags replace what they name: an interval for the cron, a zone, a value, a secret, the blackouts', () => {
  const out = edit([
    '--every',
    '30m',
    '--tz',
    'UTC',
    '--set',
    'THRESHOLD=90',
    '--unset',
    'MOUNT',
    '--secret',
    'TOKEN=staging-token',
    '--blackout-date',
    '2026-12-24,2026-12-25',
    '--missed',
    'skip',
    '--jitter',
    '2m',
  ]);
  assert.equal(out.cron, undefined);
  assert.equal(out.everySeconds, 1800);
  assert.equal(out.timeZone, 'UTC');
  assert.deepEqual(out.values, { THRESHOLD: '90' });
  assert.deepEqual(out.secrets, { TOKEN: 'staging-token' });
  assert.deepEqual(out.blackouts, [{ kind: 'dates', dates: ['2026-12-24', '2026-12-25'] }]);
  assert.equal(out.missed, 'skip');
  assert.equal(out.jitterSeconds, 120);
  assert.deepEqual(edit(['--no-blackouts']).blackouts, []);
});

test('contradictions are refused saying what to give, before anything is sent', () => {
  const refused = (line: string[], re: RegExp) =>
    assert.throws(
      () => edit(line),
      (e: unknown) => e instanceof ApiError && e.code === 'INVALID_INPUT' && re.test(e.message),
    );
  refused(['--cron', '0 3 * * *', '--every', '1h'], /--cron or --every, not both/);
  refused(['--unset', 'NOPE'], /gives no value for NOPE/);
  refused(['--no-blackouts', '--blackout-weekly', 'daily@01:00-02:00'], /without --blackout/);
  refused(['--every', 'soon'], /90s, 15m, 2h or 1d/);
});
