/** The retention cutoffs: which finished runs a purge takes, and the dates an operator may give. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBefore, planPurge, retentionCutoffs } from '../../../src/runner/retention';
import { RunRecords } from '../../../src/runner';
import { as, initialisedCore, rejects } from '../../helpers/core';
import { appendLog, finishRun, insertRun } from '../../helpers/run-records';

const NOW = new Date('2026-11-26T08:00:00Z');

test('cutoffs are the limits in whole days before now; 0 keeps forever', () => {
  assert.deepEqual(retentionCutoffs({ runLogDays: 90, runReportDays: 365 }, NOW), {
    logs: '2026-08-28T08:00:00.000Z',
    report: '2025-11-26T08:00:00.000Z',
  });
  assert.deepEqual(retentionCutoffs({ runLogDays: 0, runReportDays: 1 }, NOW), { logs: null, report: '2026-11-25T08:00:00.000Z' });
  assert.deepEqual(retentionCutoffs({ runLogDays: 0, runReportDays: 0 }, NOW), { logs: null, report: null });
});

test('a date for --before: a day is midnight UTC, a time needs a zone, the future and nonsense are refused', () => {
  assert.equal(parseBefore('2026-05-01', NOW), '2026-05-01T00:00:00.000Z');
  assert.equal(parseBefore('2026-05-01T12:30:00+02:00', NOW), '2026-05-01T10:30:00.000Z');
  assert.equal(parseBefore('2026-11-26T08:00:00Z', NOW), NOW.toISOString());
  for (const bad of ['2026-05-01T12:30:00', '01/05/2026', 'yesterday', '2026-13-45'])
    assert.throws(() => parseBefore(bad, NOW), { code: 'INVALID_INPUT' }, bad);
  assert.throws(() => parseBefore('2026-11-27', NOW), /in the future/);
});

test('a run is due when it ended strictly before the cutoff; unfinished runs are skipped and counted', async () => {
  const env = await initialisedCore({ start: NOW });
  const records = new RunRecords(env.core.store.db);
  const day = 24 * 60 * 60 * 1000;
  const add = (id: string, endedDaysAgo: number, finished = true) => {
    const at = new Date(NOW.getTime() - endedDaysAgo * day);
    insertRun(records, id, at);
    appendLog(records, id, at, ['héllo']);
    if (finished) finishRun(records, id, at, 'r');
  };
  add('r-at90days00', 90);
  add('r-past90days', 90.001);
  add('r-past365day', 366);
  add('r-queued0000', 400, false);
  const plan = planPurge(env.core.store.db, { kind: 'retention' }, NOW);
  assert.deepEqual(plan.runIds, ['r-past365day', 'r-past90days'], 'oldest first; the run exactly at the cutoff stays');
  assert.deepEqual(plan.logs, { runs: 2, lines: 2, bytes: 12 }, 'bytes are UTF-8 bytes');
  assert.deepEqual([plan.reports.runs, plan.skippedActive], [1, 1]);

  // Limits of 0 keep forever: nothing is due by age.
  await as(env.core, env.admin)('retention.set', { runLogDays: 0, runReportDays: 0 });
  const forever = planPurge(env.core.store.db, { kind: 'retention' }, NOW);
  assert.deepEqual([forever.logs.runs, forever.reports.runs, forever.skippedActive, forever.logCutoff], [0, 0, 0, null]);
  await rejects(as(env.core, env.admin)('retention.set', { runLogDays: -1 }), 'INVALID_INPUT');
  await rejects(as(env.core, env.admin)('retention.set', {}), 'INVALID_INPUT');
  await env.cleanup();
});
