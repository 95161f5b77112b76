import { useMemo, useState } from 'react';
import { useOp } from '../../api/use-op';
import type { OpOutput } from '../../api/contract';
import { Card } from '../../components/PageHeader';
import { ErrorNotice } from '../../components/Notice';
import { formatTime, plural } from '../../format';
import { TimeChart, type ChartSeries } from './MetricChart';
import { ChartControls, useRange } from './chart-parts';

type Run = OpOutput<'health.runs'>['runs'][number];
type IssueDay = OpOutput<'health.issues'>['days'][number];

const DAY = 86400;
/** The middle of a UTC day (YYYY-MM-DD), in seconds, where its bar stands. */
const noonOf = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000 + DAY / 2;

/**
 * Counts stacked as bars: each layer's bar is the sum of it and the layers after it, drawn first, so
 * the later layers cover its lower part; the legend says each layer's own count.
 */
function stacked(t: number[], layers: Array<{ label: string; color: string; counts: number[] }>): ChartSeries[] {
  const sums = t.map(() => 0);
  const out: ChartSeries[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    layer.counts.forEach((c, j) => (sums[j]! += c));
    out.unshift({ label: layer.label, color: layer.color, draw: 'bars', values: [...sums], shown: layer.counts });
  }
  return out;
}

const OUTCOME_LAYERS = [
  { label: 'Succeeded', color: '--success', is: (o: string) => o === 'succeeded' },
  { label: 'Failed', color: '--danger', is: (o: string) => o === 'failed' || o === 'error' },
  { label: 'Timed out, cancelled or interrupted', color: '--warning', is: (o: string) => !['succeeded', 'failed', 'error'].includes(o) },
] as const;

function outcomeSeries(runs: Run[]): { t: number[]; series: ChartSeries[] } {
  const days = [...new Set(runs.map((r) => r.createdAt.slice(0, 10)))].sort();
  const t = days.map(noonOf);
  const index = new Map(days.map((d, i) => [d, i]));
  const layers = OUTCOME_LAYERS.map((l) => ({ label: l.label, color: l.color, counts: days.map(() => 0) }));
  for (const r of runs) {
    const layer = OUTCOME_LAYERS.findIndex((l) => l.is(r.outcome));
    layers[layer]!.counts[index.get(r.createdAt.slice(0, 10))!]! += 1;
  }
  return { t, series: stacked(t, layers) };
}

function durationSeries(runs: Run[]): { t: number[]; series: ChartSeries[] } {
  const timed = runs.filter((r) => r.durationSeconds !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return {
    t: timed.map((r) => Date.parse(r.createdAt) / 1000),
    series: [{ label: 'Duration (seconds)', color: '--accent', draw: 'points', values: timed.map((r) => r.durationSeconds!) }],
  };
}

const taskKey = (r: Pick<Run, 'bundle' | 'task'>) => `${r.bundle}\n${r.task}`;

/** Run outcomes per day and each run's duration, for one task or all, with the CSV of those runs. */
export function RunsCard() {
  const { days, setDays, range } = useRange();
  const [task, setTask] = useState('');
  const all = useOp('health.runs', range);
  const [bundle, taskId] = task ? task.split('\n') : [];
  const runs = useMemo(() => (all.data?.runs ?? []).filter((r) => !task || taskKey(r) === task), [all.data, task]);
  const tasks = useMemo(() => [...new Set((all.data?.runs ?? []).map(taskKey))].sort(), [all.data]);
  const outcomes = useMemo(() => outcomeSeries(runs), [runs]);
  const durations = useMemo(() => durationSeries(runs), [runs]);
  const failed = runs.filter((r) => r.outcome !== 'succeeded').length;

  return (
    <Card title="Run outcomes and durations">
      <ChartControls
        id="health-runs"
        days={days}
        onDays={setDays}
        chart={{ kind: 'runs', ...(bundle && taskId ? { bundle, task: taskId } : {}), ...range }}
        fileName={taskId ? `${taskId}-runs` : 'runs'}
      >
        <div className="field">
          <label htmlFor="health-runs-task">Task</label>
          <select id="health-runs-task" value={task} onChange={(e) => setTask(e.target.value)}>
            <option value="">All tasks</option>
            {tasks.map((k) => (
              <option key={k} value={k}>
                {k.replace('\n', ' / ')}
              </option>
            ))}
          </select>
        </div>
      </ChartControls>
      <ErrorNotice error={all.error} />
      {all.data &&
        (runs.length === 0 ? (
          <p className="muted">No finished runs in this time range.</p>
        ) : (
          <div className="stack">
            <figure aria-label="Chart of run outcomes per day">
              <figcaption className="muted">
                {plural(runs.length, 'finished run')} from {formatTime(range.from)} to {formatTime(range.to)}, {failed} not succeeded; bars
                are days (UTC).
              </figcaption>
              <TimeChart t={outcomes.t} series={outcomes.series} height={240} />
            </figure>
            <figure aria-label="Chart of run durations">
              <figcaption className="muted">How long each run took, in seconds.</figcaption>
              <TimeChart t={durations.t} series={durations.series} height={240} />
            </figure>
          </div>
        ))}
    </Card>
  );
}

const SEVERITY_LAYERS = [
  { key: 'critical', label: 'Critical', color: '--danger' },
  { key: 'major', label: 'Major', color: '--warning' },
  { key: 'minor', label: 'Minor', color: '--accent' },
  { key: 'info', label: 'Info', color: '--muted' },
] as const;

function issueSeries(days: IssueDay[]): { t: number[]; series: ChartSeries[] } {
  const t = days.map((d) => noonOf(d.day));
  return {
    t,
    series: stacked(
      t,
      SEVERITY_LAYERS.map((l) => ({ label: l.label, color: l.color, counts: days.map((d) => d[l.key]) })),
    ),
  };
}

/** Issues raised per day by severity, with the CSV of those counts. */
export function IssuesCard() {
  const { days, setDays, range } = useRange();
  const issues = useOp('health.issues', range);
  const shown = useMemo(() => issueSeries(issues.data?.days ?? []), [issues.data]);
  const total = (issues.data?.days ?? []).reduce((n, d) => n + d.critical + d.major + d.minor + d.info, 0);
  return (
    <Card title="Issues over time">
      <ChartControls id="health-issues" days={days} onDays={setDays} chart={{ kind: 'issues', ...range }} fileName="issues" />
      <ErrorNotice error={issues.error} />
      {issues.data &&
        (total === 0 ? (
          <p className="muted">No issues were raised in this time range.</p>
        ) : (
          <figure aria-label="Chart of issues per day">
            <figcaption className="muted">
              {plural(total, 'issue')} raised from {formatTime(range.from)} to {formatTime(range.to)}, by severity; bars are days (UTC).
            </figcaption>
            <TimeChart t={shown.t} series={shown.series} height={240} />
          </figure>
        ))}
    </Card>
  );
}
