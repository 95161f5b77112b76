/**
 * Health (docs/health.md): the SLI values tasks wrote to metrics.jsonl, stored per run
 * (run_metrics), an objective per metric (SLO: good when the value is >= or <= a threshold, a target
 * share of good values over a window of days) with its state and error budget, run outcomes and
 * durations, and issues over time. What the Health screen draws and its CSV export says.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';

export interface Slo {
  bundle: string;
  task: string;
  metric: string;
  comparison: '>=' | '<=';
  threshold: number;
  /** The share of values that must be good, e.g. 0.99. */
  target: number;
  windowDays: number;
  updatedAt: string;
  updatedBy: string;
}

export type SloStateName = 'no-data' | 'met' | 'at-risk' | 'breached';

export interface SloState {
  state: SloStateName;
  /** Values in the window, and how many were good. */
  total: number;
  good: number;
  /** good / total (null without data). */
  ratio: number | null;
  /** The share of the error budget (1 - target) still left: 1 untouched, 0 spent, below 0 overspent. */
  budgetRemaining: number | null;
}

/** A series as uPlot takes it: times in seconds since the epoch, values. */
export interface Series {
  t: number[];
  v: number[];
}

type SloRow = {
  bundle: string;
  task: string;
  metric: string;
  comparison: string;
  threshold: number;
  target: number;
  window_days: number;
  updated_at: string;
  updated_by: string;
};

const sloOf = (r: SloRow): Slo => ({
  bundle: r.bundle,
  task: r.task,
  metric: r.metric,
  comparison: r.comparison === '<=' ? '<=' : '>=',
  threshold: r.threshold,
  target: r.target,
  windowDays: r.window_days,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** At-risk: less than this share of the error budget is left. */
const AT_RISK = 0.25;

export function sloState(slo: Pick<Slo, 'comparison' | 'threshold' | 'target'>, values: readonly number[]): SloState {
  const total = values.length;
  if (total === 0) return { state: 'no-data', total, good: 0, ratio: null, budgetRemaining: null };
  const good = values.filter((v) => (slo.comparison === '>=' ? v >= slo.threshold : v <= slo.threshold)).length;
  const ratio = good / total;
  const budget = 1 - slo.target;
  const spent = (total - good) / total;
  const budgetRemaining = budget > 0 ? 1 - spent / budget : spent === 0 ? 1 : -Infinity;
  const state: SloStateName = ratio < slo.target ? 'breached' : budgetRemaining < AT_RISK ? 'at-risk' : 'met';
  return { state, total, good, ratio, budgetRemaining: Number.isFinite(budgetRemaining) ? budgetRemaining : -1 };
}

export class Health<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Every (bundle, task, metric) that has values, with the last one. */
  metrics(): Array<{ bundle: string; task: string; name: string; unit: string | null; count: number; last: number; lastAt: string }> {
    return this.db
      .prepare(
        `SELECT bundle, task, name, max(unit) AS unit, count(*) AS count,
           (SELECT value FROM run_metrics m2 WHERE m2.bundle = m.bundle AND m2.task = m.task AND m2.name = m.name ORDER BY at DESC LIMIT 1) AS last,
           max(at) AS lastAt
         FROM run_metrics m GROUP BY bundle, task, name ORDER BY bundle, task, name`,
      )
      .all() as Array<{ bundle: string; task: string; name: string; unit: string | null; count: number; last: number; lastAt: string }>;
  }

  /** One metric's values from `from` to `to`, oldest first, as the chart takes them. */
  series(q: { bundle: string; task: string; metric: string; from: string; to: string }): Series & { unit: string | null } {
    const rows = this.db
      .prepare(
        'SELECT at, value, unit FROM run_metrics WHERE bundle = ? AND task = ? AND name = ? AND at >= ? AND at < ? ORDER BY at, run_id, seq',
      )
      .raw()
      .all(q.bundle, q.task, q.metric, q.from, q.to) as Array<[string, number, string | null]>;
    const t = new Array<number>(rows.length);
    const v = new Array<number>(rows.length);
    rows.forEach((r, i) => {
      t[i] = Date.parse(r[0]) / 1000;
      v[i] = r[1];
    });
    return { t, v, unit: rows.at(-1)?.[2] ?? null };
  }

  /** The rows of a metric with their labels and runs, for the CSV export. */
  metricRows(q: { bundle: string; task: string; metric: string; from: string; to: string }) {
    return this.db
      .prepare(
        'SELECT at, value, unit, labels, run_id AS runId FROM run_metrics WHERE bundle = ? AND task = ? AND name = ? AND at >= ? AND at < ? ORDER BY at, run_id, seq',
      )
      .all(q.bundle, q.task, q.metric, q.from, q.to) as Array<{
      at: string;
      value: number;
      unit: string | null;
      labels: string;
      runId: string;
    }>;
  }

  /** Finished runs' outcomes and durations (seconds; null when it never started), oldest first. */
  runs(q: { bundle?: string | undefined; task?: string | undefined; from: string; to: string }) {
    return this.db
      .prepare(
        `SELECT id, bundle_name AS bundle, task_id AS task, created_at AS createdAt, outcome, schedule_id AS scheduleId,
           CASE WHEN started_at IS NULL OR ended_at IS NULL THEN NULL ELSE (julianday(ended_at) - julianday(started_at)) * 86400.0 END AS durationSeconds
         FROM runs WHERE state = 'finished' AND created_at >= @from AND created_at < @to
           AND (@bundle IS NULL OR bundle_name = @bundle) AND (@task IS NULL OR task_id = @task)
         ORDER BY created_at`,
      )
      .all({ from: q.from, to: q.to, bundle: q.bundle ?? null, task: q.task ?? null }) as Array<{
      id: string;
      bundle: string;
      task: string;
      createdAt: string;
      outcome: string;
      scheduleId: string | null;
      durationSeconds: number | null;
    }>;
  }

  /** Issues raised per UTC day and severity. */
  issuesByDay(q: { from: string; to: string }): Array<{ day: string; critical: number; major: number; minor: number; info: number }> {
    return this.db
      .prepare(
        `SELECT substr(runs.created_at, 1, 10) AS day,
           sum(CASE WHEN json_extract(j.value, '$.severity') = 1 THEN 1 ELSE 0 END) AS critical,
           sum(CASE WHEN json_extract(j.value, '$.severity') = 2 THEN 1 ELSE 0 END) AS major,
           sum(CASE WHEN json_extract(j.value, '$.severity') = 3 THEN 1 ELSE 0 END) AS minor,
           sum(CASE WHEN json_extract(j.value, '$.severity') NOT IN (1, 2, 3) THEN 1 ELSE 0 END) AS info
         FROM runs, json_each(runs.issues) AS j
         WHERE runs.created_at >= ? AND runs.created_at < ? GROUP BY day ORDER BY day`,
      )
      .all(q.from, q.to) as Array<{ day: string; critical: number; major: number; minor: number; info: number }>;
  }

  slos(): Slo[] {
    return (this.db.prepare('SELECT * FROM slos ORDER BY bundle, task, metric').all() as SloRow[]).map(sloOf);
  }

  slo(bundle: string, task: string, metric: string): Slo | null {
    const r = this.db.prepare('SELECT * FROM slos WHERE bundle = ? AND task = ? AND metric = ?').get(bundle, task, metric) as
      SloRow | undefined;
    return r ? sloOf(r) : null;
  }

  /** The state of an SLO now: the values of its window ending at `now`. */
  stateOf(slo: Slo, now: Date): SloState {
    const from = new Date(now.getTime() - slo.windowDays * 86400_000).toISOString();
    const values = (
      this.db
        .prepare('SELECT value FROM run_metrics WHERE bundle = ? AND task = ? AND name = ? AND at >= ? AND at <= ?')
        .raw()
        .all(slo.bundle, slo.task, slo.metric, from, now.toISOString()) as Array<[number]>
    ).map((r) => r[0]);
    return sloState(slo, values);
  }

  setSlo(this: Health<Database>, slo: Slo): void {
    if (!(slo.target > 0 && slo.target < 1))
      throw new ApiError('INVALID_INPUT', 'The target is a share between 0 and 1, e.g. 0.99 for 99 %.');
    if (!Number.isInteger(slo.windowDays) || slo.windowDays < 1 || slo.windowDays > 366)
      throw new ApiError('INVALID_INPUT', 'The window is a whole number of days from 1 to 366.');
    this.db
      .prepare(
        `INSERT INTO slos(bundle, task, metric, comparison, threshold, target, window_days, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(bundle, task, metric) DO UPDATE SET comparison = excluded.comparison, threshold = excluded.threshold, target = excluded.target,
           window_days = excluded.window_days, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(slo.bundle, slo.task, slo.metric, slo.comparison, slo.threshold, slo.target, slo.windowDays, slo.updatedAt, slo.updatedBy);
  }

  removeSlo(this: Health<Database>, bundle: string, task: string, metric: string): boolean {
    return this.db.prepare('DELETE FROM slos WHERE bundle = ? AND task = ? AND metric = ?').run(bundle, task, metric).changes === 1;
  }
}
