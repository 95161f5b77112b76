/**
 * The Runs table's operations (issue 15): runs.list filters, sorts and pages in the store, counts
 * what matches and each run's critical issues; runs.saveLog writes the log as shown to a new file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunRecords } from '../../../src/runner/records';
import type { IssueLine } from '../../../src/bundles/results';
import { addUser, as, initialisedCore, rejects, tempDir } from '../../helpers/core';
import { hex } from '../../helpers/bundles';

const issue = (severity: number, title: string): IssueLine =>
  ({
    severity,
    title,
    expected: 'e',
    actual: 'a',
    reproduceHint: '',
    nextSteps: 'n',
    details: '',
    taskName: 't',
    observedAt: '',
  }) as IssueLine;

async function fixture() {
  const env = await initialisedCore();
  const records = new RunRecords(env.core.store.db);
  const viewer = as(env.core, (await addUser(env.core, env.admin, 'view1', ['viewer'])).session);
  let n = 0;
  const run = (o: {
    bundle: string;
    task: string;
    by: string;
    created: string;
    seconds: number | null;
    issues?: IssueLine[];
    outcome?: 'succeeded' | 'failed';
  }) => {
    const id = `r-${String(n++).padStart(10, 'a')}`;
    records.insert({
      id,
      bundle: { name: o.bundle, version: '1.0.0', digest: hex('a') },
      imageId: hex('b'),
      task: { id: o.task, title: `${o.task} title`, access: 'read-only' },
      startedBy: o.by,
      reason: null,
      config: { values: {}, files: {}, secrets: {} },
      state: 'queued',
      approvalRequired: false,
      instanceId: 'i',
      createdAt: o.created,
      timeoutSeconds: 30,
    });
    if (o.seconds !== null) {
      env.core.store.db.prepare('UPDATE runs SET started_at = ? WHERE id = ?').run(o.created, id);
      const ended = new Date(Date.parse(o.created) + o.seconds * 1000).toISOString();
      records.finish(id, { outcome: o.outcome ?? 'succeeded', endedAt: ended, exitCode: 0, issues: o.issues ?? [] });
    }
    return id;
  };
  return { env, records, viewer, run };
}

test('runs.list: filters, sorts and pages in the store; total counts every match; critical issues are counted', async () => {
  const { env, viewer, run } = await fixture();
  const a = run({ bundle: 'host-health', task: 'disk', by: 'anna', created: '2026-11-20T08:00:00.000Z', seconds: 30 });
  const b = run({
    bundle: 'host-health',
    task: 'disk',
    by: 'bert',
    created: '2026-11-21T08:00:00.000Z',
    seconds: 5,
    issues: [issue(1, 'full'), issue(3, 'x')],
  });
  const c = run({ bundle: 'log-scan', task: 'scan', by: 'anna', created: '2026-11-22T08:00:00.000Z', seconds: 90, outcome: 'failed' });
  const d = run({ bundle: 'log-scan', task: 'scan', by: 'anna', created: '2026-11-23T08:00:00.000Z', seconds: null });

  const all = await viewer('runs.list', {});
  assert.deepEqual(
    all.runs.map((r) => r.id),
    [d, c, b, a],
    'newest first by default',
  );
  assert.equal(all.total, 4);
  assert.equal(all.runs.find((r) => r.id === b)!.criticalIssues, 1);
  assert.equal(all.runs.find((r) => r.id === a)!.criticalIssues, 0);

  const page2 = await viewer('runs.list', { limit: 2, offset: 2 });
  assert.deepEqual(
    page2.runs.map((r) => r.id),
    [b, a],
  );
  assert.equal(page2.total, 4, 'the total is of every match, not the page');

  const byDuration = await viewer('runs.list', { sort: { column: 'duration', direction: 'descending' } });
  assert.deepEqual(
    byDuration.runs.map((r) => r.id),
    [c, a, b, d],
    'longest first; a run not ended comes last',
  );
  const byDurationUp = await viewer('runs.list', { sort: { column: 'duration', direction: 'ascending' } });
  assert.deepEqual(
    byDurationUp.runs.map((r) => r.id),
    [b, a, c, d],
    'a run not ended comes last both ways',
  );
  const byUser = await viewer('runs.list', { sort: { column: 'startedBy', direction: 'descending' }, limit: 1 });
  assert.deepEqual(
    byUser.runs.map((r) => r.id),
    [b],
  );

  assert.deepEqual(
    (await viewer('runs.list', { critical: true })).runs.map((r) => r.id),
    [b],
  );
  assert.deepEqual(
    (await viewer('runs.list', { outcome: 'failed' })).runs.map((r) => r.id),
    [c],
  );
  assert.deepEqual(
    (await viewer('runs.list', { text: 'BERT disk' })).runs.map((r) => r.id),
    [b],
    'every word matches, in any case',
  );
  assert.deepEqual(
    (await viewer('runs.list', { bundle: 'log-scan', task: 'scan' })).runs.map((r) => r.id),
    [d, c],
  );
  const range = await viewer('runs.list', { from: '2026-11-21T09:00:00+01:00', to: '2026-11-23T00:00:00Z' });
  assert.deepEqual(
    range.runs.map((r) => r.id),
    [c, b],
    'the range compares in UTC whatever offset it was given',
  );
  assert.equal(range.total, 2);
  await rejects(viewer('runs.list', { from: 'yesterday' }), 'INVALID_INPUT');
  await env.cleanup();
});

test('runs.saveLog: the log as shown, with or without times, to a new file picked by the operator; never over a file', async () => {
  const { env, records, viewer, run } = await fixture();
  const id = run({ bundle: 'host-health', task: 'disk', by: 'anna', created: '2026-11-20T08:00:00.000Z', seconds: 3 });
  records.appendLogs(id, [
    { seq: 1, time: '2026-11-20T08:00:01.000Z', stream: 'stdout', text: 'hello' },
    { seq: 2, time: '2026-11-20T08:00:02.000Z', stream: 'stderr', text: 'bad \u001b[31mred' },
  ]);
  const dir = tempDir();
  const plain = await viewer('runs.saveLog', { id, outPath: join(dir, 'plain.log') });
  assert.equal(readFileSync(plain.path, 'utf8'), 'hello\nbad ␛[31mred\n');
  assert.equal(plain.lines, 2);
  const timed = await viewer('runs.saveLog', { id, outPath: join(dir, 'timed.log'), timestamps: true });
  assert.equal(readFileSync(timed.path, 'utf8'), '2026-11-20T08:00:01.000Z stdout hello\n2026-11-20T08:00:02.000Z stderr bad ␛[31mred\n');
  writeFileSync(join(dir, 'taken.log'), 'mine');
  await rejects(viewer('runs.saveLog', { id, outPath: join(dir, 'taken.log') }), 'CONFLICT');
  assert.equal(readFileSync(join(dir, 'taken.log'), 'utf8'), 'mine', 'an existing file is left alone');
  await env.cleanup();
});
