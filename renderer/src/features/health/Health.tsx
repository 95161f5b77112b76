import { useState } from 'react';
import cronstrue from 'cronstrue';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { formatTime, plural } from '../../format';
import { MetricChart } from './MetricChart';
import { ChartControls, useRange } from './chart-parts';
import { IssuesCard, RunsCard } from './ActivityCharts';
import { ScheduleForm, type Schedule } from './ScheduleForm';

type Metric = OpOutput<'health.summary'>['metrics'][number];

const STATE_LABEL = { met: 'Met', 'at-risk': 'At risk', breached: 'Breached', 'no-data': 'No data' } as const;
const STATE_BADGE = { met: 'badge-success', 'at-risk': 'badge-warning', breached: 'badge-danger', 'no-data': 'badge-neutral' } as const;

const keyOf = (m: Pick<Metric, 'bundle' | 'task' | 'name'>) => `${m.bundle}\n${m.task}\n${m.name}`;
const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

function objectiveText(m: Metric): string {
  if (!m.slo) return 'No objective set';
  return `${m.slo.comparison === '>=' ? 'at least' : 'at most'} ${m.slo.threshold} in ${percent(m.slo.target)} of values over ${plural(m.slo.windowDays, 'day')}`;
}

/** The error budget in words: how many values missed, how many the objective allows, and what is left. */
function budgetText(m: Metric): string {
  const s = m.state;
  if (!m.slo || !s) return '—';
  if (s.total === 0) return `No values in the last ${plural(m.slo.windowDays, 'day')}`;
  const bad = s.total - s.good;
  const allowed = Math.floor(s.total * (1 - m.slo.target));
  const missed = `${bad} of ${plural(s.total, 'value')} missed the objective (${allowed} allowed)`;
  if (s.budgetRemaining === null) return missed;
  return s.budgetRemaining <= 0
    ? `${missed}; the error budget is spent`
    : `${missed}; ${percent(s.budgetRemaining)} of the error budget left`;
}

function everyText(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    if (seconds % size === 0) return `Every ${seconds === size ? unit : plural(seconds / size, unit)}`;
  }
  return `Every ${plural(seconds, 'second')}`;
}

/** A cron expression in words ("At 02:30, Monday through Friday"); the expression itself if it cannot be read. */
function cronWords(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return `Cron ${cron}`;
  }
}

/** When a schedule fires, in words with its time zone; a cron schedule keeps its expression in a tooltip. */
function Timing({ s }: { s: Schedule }) {
  const zone = <span className="muted"> ({s.timing.timeZone})</span>;
  if (s.timing.kind !== 'cron')
    return (
      <>
        {everyText(s.timing.everySeconds)}
        {zone}
      </>
    );
  return (
    <span title={`Cron expression: ${s.timing.cron}`}>
      {cronWords(s.timing.cron)}
      {zone}
    </span>
  );
}

function statusText(s: Schedule): string {
  if (s.status === 'paused') return 'Paused';
  if (s.status === 'awaiting-approval') return 'Waiting for approval';
  return s.approvalRequired && s.approvedBy ? `Active, approved by ${s.approvedBy}` : 'Active';
}

function SloTable({ metrics, chosen, onChoose }: { metrics: Metric[]; chosen: string; onChoose: (key: string) => void }) {
  const columns: Column<Metric>[] = [
    { id: 'metric', header: 'Metric', rowHeader: true, cell: (m) => m.name, sortKey: (m) => m.name },
    { id: 'task', header: 'Task', cell: (m) => `${m.bundle} / ${m.task}`, sortKey: (m) => `${m.bundle}/${m.task}` },
    {
      id: 'last',
      header: 'Last value',
      cell: (m) => `${Number(m.last.toPrecision(4))}${m.unit ? ` ${m.unit}` : ''} at ${formatTime(m.lastAt)}`,
      sortKey: (m) => m.lastAt,
    },
    { id: 'objective', header: 'Objective', cell: objectiveText },
    {
      id: 'state',
      header: 'State',
      cell: (m) => (m.state ? <span className={`badge ${STATE_BADGE[m.state.state]}`}>{STATE_LABEL[m.state.state]}</span> : 'No objective'),
      sortKey: (m) => m.state?.state ?? '',
    },
    { id: 'budget', header: 'Error budget', cell: budgetText },
  ];
  return (
    <DataTable
      caption="Metrics and their objectives"
      columns={columns}
      rows={metrics}
      rowKey={keyOf}
      empty="No task has reported a metric yet. Tasks report metrics by writing metrics.jsonl (see Help, Health)."
      actions={(m) => (
        <button type="button" className="btn btn-small" aria-pressed={keyOf(m) === chosen} onClick={() => onChoose(keyOf(m))}>
          {keyOf(m) === chosen ? 'Charted' : 'Chart'}
        </button>
      )}
      actionsLabel="Chart"
    />
  );
}

function MetricSeries({ metric }: { metric: Metric }) {
  const { days, setDays, range } = useRange();
  const series = useOp('health.series', { bundle: metric.bundle, task: metric.task, metric: metric.name, ...range });
  const label = `${metric.name}${metric.unit ? ` (${metric.unit})` : ''}`;
  const data = series.data;
  return (
    <Card title={`${metric.name} over time`}>
      <ChartControls
        id="health-metric"
        days={days}
        onDays={setDays}
        chart={{ kind: 'metric', bundle: metric.bundle, task: metric.task, metric: metric.name, ...range }}
        fileName={`${metric.task}-${metric.name}`}
      />
      <ErrorNotice error={series.error} />
      {data && (
        <figure aria-label={`Chart of ${metric.name}`}>
          <figcaption className="muted">
            {metric.bundle} / {metric.task}: {plural(data.t.length, 'value')} from {formatTime(range.from)} to {formatTime(range.to)}
            {data.slo ? `; the dashed line is the objective, ${data.slo.comparison} ${data.slo.threshold}` : '; no objective set'}.
          </figcaption>
          <MetricChart label={label} t={data.t} v={data.v} objective={data.slo?.threshold ?? null} />
        </figure>
      )}
    </Card>
  );
}

function Schedules() {
  const api = useApi();
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const list = useOp('schedules.list', {}, generation);
  const { error, busy, run } = useAction();
  const [form, setForm] = useState<{ schedule?: Schedule } | null>(null);
  const me = session.me.user.name.toLowerCase();

  async function act(op: 'schedules.pause' | 'schedules.resume' | 'schedules.approve', s: Schedule) {
    await run(async () => {
      const done = await api.call(op, { id: s.id });
      if (!done.ok) return done.error;
      setGeneration((g) => g + 1);
    });
  }

  const mine = (s: Schedule) => s.owner.toLowerCase() === me;
  const canApprove = (s: Schedule) =>
    s.status === 'awaiting-approval' && session.can('runs.approve') && !mine(s) && s.updatedBy.toLowerCase() !== me;
  const columns: Column<Schedule>[] = [
    { id: 'name', header: 'Schedule', rowHeader: true, cell: (s) => s.name, sortKey: (s) => s.name },
    { id: 'task', header: 'Task', cell: (s) => `${s.bundle} / ${s.task}`, sortKey: (s) => `${s.bundle}/${s.task}` },
    { id: 'timing', header: 'Timing', cell: (s) => <Timing s={s} /> },
    { id: 'next', header: 'Next run', cell: (s) => (s.next ? formatTime(s.next) : '—'), sortKey: (s) => s.next ?? '' },
    { id: 'status', header: 'State', cell: statusText, sortKey: (s) => s.status },
  ];
  return (
    <Card title="Schedules">
      {list.data && !list.data.scheduler.running && (
        <StatusNotice tone="warning">
          Schedules are not firing here{list.data.scheduler.problem ? `: ${list.data.scheduler.problem}` : ''}. They fire where the runner
          is held and unlocked: this app while an operator is signed in, or the always-on service once unsealed.
        </StatusNotice>
      )}
      <ErrorNotice error={list.error ?? error} />
      {session.can('runs.start') && (
        <div className="card-toolbar">
          <button type="button" className="btn btn-primary" onClick={() => setForm({})}>
            New schedule…
          </button>
        </div>
      )}
      <DataTable
        caption="Schedules"
        columns={columns}
        rows={list.data?.schedules ?? []}
        rowKey={(s) => s.id}
        loading={list.loading && !list.data}
        empty={
          session.can('runs.start')
            ? 'No schedules yet. Add one with New schedule: a task of the catalog, its values, and when it runs.'
            : 'No schedules yet. An operator adds them here.'
        }
        actions={
          session.can('runs.start') || session.can('runs.approve')
            ? (s) => (
                <span className="row-actions">
                  {canApprove(s) && (
                    <button
                      type="button"
                      className="btn btn-small btn-primary"
                      disabled={busy}
                      onClick={() => void act('schedules.approve', s)}
                    >
                      Approve {s.name}
                    </button>
                  )}
                  {session.can('runs.start') && mine(s) && (
                    <button type="button" className="btn btn-small" onClick={() => setForm({ schedule: s })}>
                      Edit {s.name}
                    </button>
                  )}
                  {session.can('runs.start') && s.status !== 'awaiting-approval' && (s.status !== 'paused' || mine(s)) && (
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={busy}
                      onClick={() => void act(s.status === 'paused' ? 'schedules.resume' : 'schedules.pause', s)}
                    >
                      {s.status === 'paused' ? `Resume ${s.name}` : `Pause ${s.name}`}
                    </button>
                  )}
                </span>
              )
            : undefined
        }
        actionsLabel="Change"
      />
      {form && (
        <ScheduleForm
          {...form}
          onClose={() => {
            setForm(null);
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </Card>
  );
}

export function HealthScreen() {
  const summary = useOp('health.summary', {});
  const [chosen, setChosen] = useState('');
  const metrics = summary.data?.metrics ?? [];
  const metric = metrics.find((m) => keyOf(m) === chosen) ?? metrics.find((m) => m.slo) ?? metrics[0];

  return (
    <>
      <PageHeader
        title="Health"
        description="What tasks measure against their objectives (SLOs), each metric over time, and the schedules that run them."
      />
      <ErrorNotice error={summary.error} />
      <div className="stack">
        <Card title="Objectives">
          <SloTable metrics={metrics} chosen={metric ? keyOf(metric) : ''} onChoose={setChosen} />
        </Card>
        {metric && <MetricSeries key={keyOf(metric)} metric={metric} />}
        <RunsCard />
        <IssuesCard />
        <Schedules />
      </div>
    </>
  );
}
