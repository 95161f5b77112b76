/**
 * Retention and true deletion of run output (issue 8, docs/retention.md). A purge removes a finished
 * run's log lines, blanks its issues, report and warnings, deletes summaries made of them, and marks
 * the run's row with when and by whom, keeping the row itself as the record that the run happened.
 * The store runs with `secure_delete = ON`, so the freed bytes are overwritten with zeros (then
 * encrypted); after the commit the caller rebuilds the file and truncates the WAL (compactAfterPurge)
 * so no stale copy of a purged row is left in either file.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { readSettings } from '../store';
import { RETENTION_SETTINGS } from './settings';

export interface RetentionLimits {
  /** Days a finished run's log is kept; 0 = forever. */
  runLogDays: number;
  /** Days a finished run's issues, report and warnings are kept; 0 = forever. */
  runReportDays: number;
}

export type PurgeScope = { kind: 'retention' } | { kind: 'run'; runId: string } | { kind: 'before'; before: string };

export interface PurgePlan {
  scope: PurgeScope['kind'];
  runId: string | null;
  /** Finished runs that ended before this instant lose their log; null = none by age. */
  logCutoff: string | null;
  reportCutoff: string | null;
  logs: { runs: number; lines: number; bytes: number };
  reports: { runs: number; bytes: number };
  /** Run summaries (LLM answers and what was sent) deleted with the runs they describe. */
  summaries: number;
  /** Runs old enough but still awaiting approval, queued or running: never purged. */
  skippedActive: number;
  /** The runs touched, oldest first, at most RUN_IDS_SHOWN of them. */
  runIds: string[];
  moreRuns: number;
}

export const RUN_IDS_SHOWN = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Rows another domain made from runs' output (the LLM summaries): counted in the plan and deleted
 * with what a purge removes, by the domain that owns their table. `runIds` is a subquery selecting
 * the runs, with the purge's named parameters in `params`.
 */
export interface PurgedWithRuns {
  count(db: ReadonlyDb, runIds: string, params: Record<string, string | null>): number;
  remove(db: Database, runIds: string, params: Record<string, string | null>): void;
}

export function retentionLimits(db: ReadonlyDb): RetentionLimits {
  const s = readSettings(db, RETENTION_SETTINGS);
  return { runLogDays: s['retention.runLogDays'], runReportDays: s['retention.runReportDays'] };
}

/** The instants before which a finished run's log and report are due; null where the limit is 0 (kept forever). */
export function retentionCutoffs(limits: RetentionLimits, now: Date): { logs: string | null; report: string | null } {
  const before = (days: number) => (days > 0 ? new Date(now.getTime() - days * DAY_MS).toISOString() : null);
  return { logs: before(limits.runLogDays), report: before(limits.runReportDays) };
}

/** `2026-05-01` (midnight UTC) or an ISO 8601 time with a zone; refused when not before `now`. */
export function parseBefore(text: string, now: Date): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = day ? Date.parse(`${text}T00:00:00Z`) : time ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ApiError(
      'INVALID_INPUT',
      `"${text}" is not a date: give a day such as 2026-05-01 (midnight UTC) or a time such as 2026-05-01T12:00:00Z.`,
    );
  if (ms > now.getTime())
    throw new ApiError(
      'INVALID_INPUT',
      `${text} is in the future; a purge removes output of runs that ended before a date that has passed.`,
    );
  return new Date(ms).toISOString();
}

interface Resolved {
  scope: PurgeScope;
  logCutoff: string | null;
  reportCutoff: string | null;
}

function resolve(db: ReadonlyDb, scope: PurgeScope, now: Date): Resolved {
  if (scope.kind === 'retention') {
    const cut = retentionCutoffs(retentionLimits(db), now);
    return { scope, logCutoff: cut.logs, reportCutoff: cut.report };
  }
  if (scope.kind === 'before') return { scope, logCutoff: scope.before, reportCutoff: scope.before };
  const run = db.prepare('SELECT state FROM runs WHERE id = ?').get(scope.runId) as { state: string } | undefined;
  if (!run) throw new ApiError('NOT_FOUND', `No run ${scope.runId}: check the run id.`);
  if (run.state !== 'finished')
    throw new ApiError(
      'CONFLICT',
      `Run ${scope.runId} is ${run.state}; a run is purged only once it has finished. Cancel it first if it must go now.`,
    );
  return { scope, logCutoff: null, reportCutoff: null };
}

/** Ids of the finished runs whose log (or report) this purge removes: a subquery with named parameters. */
function targets(part: 'logs' | 'report', r: Resolved): string {
  const purged = part === 'logs' ? 'logs_purged_at' : 'report_purged_at';
  const which = r.scope.kind === 'run' ? 'id = @runId' : `ended_at < ${part === 'logs' ? '@logCutoff' : '@reportCutoff'}`;
  return `SELECT id FROM runs WHERE state = 'finished' AND ${purged} IS NULL AND ${which}`;
}

function params(r: Resolved): Record<string, string | null> {
  return r.scope.kind === 'run' ? { runId: r.scope.runId } : { logCutoff: r.logCutoff, reportCutoff: r.reportCutoff };
}

function count(db: ReadonlyDb, sql: string, p: unknown): number {
  return Number((db.prepare(sql).get(p) as { n: number | null }).n ?? 0);
}

const JSON_BYTES = (col: string) => `CASE WHEN ${col} = '[]' THEN 0 ELSE length(CAST(${col} AS BLOB)) END`;

function plan(db: ReadonlyDb, r: Resolved, summaries: PurgedWithRuns | undefined): PurgePlan {
  const p = params(r);
  const logs = targets('logs', r);
  const report = targets('report', r);
  const logStats = db
    .prepare(`SELECT count(*) AS lines, coalesce(sum(length(CAST(text AS BLOB))), 0) AS bytes FROM run_logs WHERE run_id IN (${logs})`)
    .get(p) as {
    lines: number;
    bytes: number;
  };
  const either = `${logs} UNION ${report}`;
  const ids = (db.prepare(`SELECT id FROM runs WHERE id IN (${either}) ORDER BY ended_at, id`).all(p) as Array<{ id: string }>).map(
    (x) => x.id,
  );
  const latestCutoff =
    [r.logCutoff, r.reportCutoff]
      .filter((c): c is string => c !== null)
      .sort()
      .pop() ?? null;
  return {
    scope: r.scope.kind,
    runId: r.scope.kind === 'run' ? r.scope.runId : null,
    logCutoff: r.logCutoff,
    reportCutoff: r.reportCutoff,
    logs: { runs: count(db, `SELECT count(*) AS n FROM (${logs})`, p), lines: logStats.lines, bytes: logStats.bytes },
    reports: {
      runs: count(db, `SELECT count(*) AS n FROM (${report})`, p),
      bytes: count(
        db,
        `SELECT sum(${JSON_BYTES('issues')} + ${JSON_BYTES('report')} + ${JSON_BYTES('warnings')}) AS n FROM runs WHERE id IN (${report})`,
        p,
      ),
    },
    summaries: summaries ? summaries.count(db, either, p) : 0,
    skippedActive:
      latestCutoff === null ? 0 : count(db, "SELECT count(*) AS n FROM runs WHERE state <> 'finished' AND created_at < ?", latestCutoff),
    runIds: ids.slice(0, RUN_IDS_SHOWN),
    moreRuns: Math.max(0, ids.length - RUN_IDS_SHOWN),
  };
}

/** What a purge of this scope would remove now. Reads only. */
export function planPurge(db: ReadonlyDb, scope: PurgeScope, now: Date, summaries?: PurgedWithRuns): PurgePlan {
  return plan(db, resolve(db, scope, now), summaries);
}

/**
 * Removes what `planPurge` reports, inside the caller's transaction (so the audit event commits with
 * it), and returns the plan it carried out. Rows are deleted before the marks that select them change.
 */
export function purgeRuns(db: Database, scope: PurgeScope, by: string, now: Date, summaries?: PurgedWithRuns): PurgePlan {
  const r = resolve(db, scope, now);
  const done = plan(db, r, summaries);
  const p = params(r);
  const at = now.toISOString();
  summaries?.remove(db, `${targets('logs', r)} UNION ${targets('report', r)}`, p);
  db.prepare(`DELETE FROM run_logs WHERE run_id IN (${targets('logs', r)})`).run(p);
  db.prepare(`UPDATE runs SET logs_purged_at = @at, logs_purged_by = @by WHERE id IN (${targets('logs', r)})`).run({ ...p, at, by });
  db.prepare(
    `UPDATE runs SET issues = '[]', report = '[]', warnings = '[]', report_purged_at = @at, report_purged_by = @by WHERE id IN (${targets('report', r)})`,
  ).run({ ...p, at, by });
  return done;
}

export interface CompactResult {
  /** The whole file was rebuilt from the live rows (VACUUM), so no stale copy of a purged row is left in any page. */
  vacuumed: boolean;
  /** The WAL was checkpointed into the database file and truncated to zero bytes. */
  walTruncated: boolean;
  /** Pages on the free list after the purge (0 after a VACUUM). */
  freePages: number;
}

/**
 * After the purge commits. secure_delete zeroes what a DELETE frees, but SQLite leaves older copies
 * of cells elsewhere: in the unused gap of pages it rebalanced, and as divider keys in the interior
 * pages of the WITHOUT ROWID log table, whose keys are the whole row. Measured (docs/retention.md):
 * runs purged next to runs that are kept left 2-3 log lines readable in a decrypted copy; after a
 * VACUUM, none. So the file is rebuilt from the live rows (in memory: temp_store, see
 * pinDeletionPragmas), then every WAL frame is checkpointed and the WAL truncated, so the frames
 * holding pre-purge pages are gone too. Another connection reading at that moment (a CLI next to
 * the app) can keep either from completing; the result says so and a later purge finishes the job.
 */
export function compactAfterPurge(db: Database): CompactResult {
  let vacuumed = true;
  try {
    db.exec('VACUUM');
  } catch {
    vacuumed = false;
  }
  const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  return {
    vacuumed,
    walTruncated: result !== undefined && result.busy === 0,
    freePages: Number(db.pragma('freelist_count', { simple: true })),
  };
}

/**
 * A purge refuses to run unless deleted bytes are zeroed (secure_delete, pinned at open in
 * store/database.ts) and temporary data stays in memory: the cipher does not encrypt temporary
 * files, and VACUUM would otherwise write a whole plaintext copy of the store to one.
 */
export function pinDeletionPragmas(db: Database): void {
  db.pragma('secure_delete = ON');
  db.pragma('temp_store = MEMORY');
  if (Number(db.pragma('secure_delete', { simple: true })) !== 1 || Number(db.pragma('temp_store', { simple: true })) !== 2) {
    throw new ApiError(
      'INTERNAL',
      'The store cannot turn on secure_delete or keep temporary data in memory, so purged text could stay on disk. Nothing was purged; report this as a bug.',
    );
  }
}

export interface PurgeMark {
  at: string;
  by: string;
}

/** The purge marks of a `runs` row (null where that part was never purged). */
export function purgeMarksOf(row: Record<string, unknown>): { logs: PurgeMark | null; report: PurgeMark | null } {
  const mark = (at: unknown, by: unknown): PurgeMark | null =>
    typeof at === 'string' ? { at, by: typeof by === 'string' ? by : '' } : null;
  return { logs: mark(row.logs_purged_at, row.logs_purged_by), report: mark(row.report_purged_at, row.report_purged_by) };
}
