/** SLIs (docs/health.md): metrics.jsonl read and stored per run, SLO state and error budget, the CSV of a chart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMetricLine } from '../../../src/bundles/results';
import { sloState } from '../../../src/runner/health';
import { rejects, tempDir } from '../../helpers/core';
import { runnerEnv } from './runner-env';

test('metrics.jsonl lines: a named finite number with unit and short labels; anything else is skipped', () => {
  assert.deepEqual(parseMetricLine('{"name":"disk_health","value":0.75,"unit":"score","labels":{"mount":"/var"}}'), {
    name: 'disk_health',
    value: 0.75,
    unit: 'score',
    labels: { mount: '/var' },
    observedAt: null,
  });
  assert.equal(parseMetricLine('{"name":"x","value":"0.5"}')?.value, 0.5);
  for (const bad of [
    '{"name":"x"}',
    '{"name":"x","value":"NaN"}',
    '{"name":"1x","value":1}',
    '{"name":"x","value":1,"labels":[1]}',
    'nope',
  ]) {
    assert.equal(parseMetricLine(bad), null, bad);
  }
});

test('SLO state: met, at risk when little budget is left, breached below the target, no data', () => {
  const slo = { comparison: '>=' as const, threshold: 0.9, target: 0.9 };
  assert.deepEqual(sloState(slo, []).state, 'no-data');
  const met = sloState(slo, Array(100).fill(1));
  assert.deepEqual([met.state, met.ratio, met.budgetRemaining], ['met', 1, 1]);
  const risky = sloState(slo, [...Array(92).fill(1), ...Array(8).fill(0.5)]);
  assert.equal(risky.state, 'at-risk');
  assert.ok(Math.abs(risky.budgetRemaining! - 0.2) < 1e-9);
  const breached = sloState(slo, [...Array(80).fill(1), ...Array(20).fill(0)]);
  assert.deepEqual([breached.state, breached.good, breached.total], ['breached', 80, 100]);
  assert.equal(sloState({ comparison: '<=', threshold: 200, target: 0.5 }, [100, 100, 300]).state, 'met');
});

test('a run that writes metrics.jsonl: values stored per run, summary with the SLO, series for the chart, CSV of what the chart shows', async () => {
  let n = 0;
  const env = await runnerEnv(() => {
    n++;
    return {
      exitCode: 0,
      files: {
        'metrics.jsonl': `{"name":"disk_health","value":${n === 1 ? 1 : 0.5},"unit":"score","labels":{"mount":"=cmd|' /C calc'!A0"}}\n{"name":"bad"}\n`,
        'issues.jsonl': '{"severity":1,"title":"Disk, \\"full\\""}\n',
      },
    };
  });
  for (let i = 0; i < 2; i++) {
    const { id } = await env.op1('runs.start', { bundle: 'svc', task: 'check' });
    await env.core.runner.waitFor(id);
    env.clock.advance(60_000);
  }
  await env.op1('health.setSlo', {
    bundle: 'svc',
    task: 'check',
    metric: 'disk_health',
    comparison: '>=',
    threshold: 0.9,
    target: 0.75,
    windowDays: 7,
  });
  await rejects(
    env.viewer('health.setSlo', {
      bundle: 'svc',
      task: 'check',
      metric: 'disk_health',
      comparison: '>=',
      threshold: 1,
      target: 0.5,
      windowDays: 7,
    }),
    'FORBIDDEN',
  );
  const summary = await env.viewer('health.summary');
  assert.equal(summary.metrics.length, 1);
  const m = summary.metrics[0]!;
  assert.deepEqual([m.name, m.unit, m.count, m.last], ['disk_health', 'score', 2, 0.5]);
  assert.deepEqual([m.state?.state, m.state?.good, m.state?.total], ['breached', 1, 2]);
  const range = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
  const series = await env.viewer('health.series', { bundle: 'svc', task: 'check', metric: 'disk_health', ...range });
  assert.deepEqual(series.v, [1, 0.5]);
  assert.equal(series.t.length, 2);
  assert.ok(series.t[1]! > series.t[0]!);
  assert.equal(series.slo?.threshold, 0.9);
  const runs = await env.viewer('health.runs', range);
  assert.deepEqual(
    runs.runs.map((r) => r.outcome),
    ['succeeded', 'succeeded'],
  );
  assert.deepEqual((await env.viewer('health.issues', range)).days, [{ day: '2026-11-26', critical: 2, major: 0, minor: 0, info: 0 }]);
  const dir = tempDir();
  const out = await env.viewer('health.exportCsv', {
    chart: { kind: 'metric', bundle: 'svc', task: 'check', metric: 'disk_health', ...range },
    outPath: join(dir, 'disk.csv'),
  });
  const text = readFileSync(out.path, 'utf8');
  const lines = text.trim().split('\n');
  assert.equal(lines[0], 'time,bundle,task,metric,value,unit,labels,run');
  assert.equal(lines.length, 3);
  assert.match(
    lines[1]!,
    /,1,score,"{""mount"":""=cmd\|' \/C calc'!A0""}",r-/,
    'labels quoted; the formula sits inside JSON, never first in a cell',
  );
  await rejects(env.viewer('health.exportCsv', { chart: { kind: 'issues', ...range }, outPath: out.path }), 'CONFLICT');
  const issues = await env.viewer('health.exportCsv', { chart: { kind: 'issues', ...range }, outPath: join(dir, 'issues.csv') });
  assert.equal(readFileSync(issues.path, 'utf8'), 'day,critical,major,minor,info\n2026-11-26,2,0,0,0\n');
  await env.done();
});
