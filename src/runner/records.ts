/**
 * Run records and their stored logs. A record names who started the run, the bundle digest, the
 * task, the configuration (secret NAMES only), the reason, the approver, timestamps, exit code,
 * outcome, issues, report and the effective sandbox. No secret value is ever written here.
 */
import { preparedOnce, type ReadonlyDb } from '../kernel';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { IssueLine, MetricLine, ReportLine } from '../bundles';
import type { SandboxRecord } from './hardening';
import type { LogLine, LogStream } from './log-capture';
import { purgeMarksOf, type PurgeMark } from './retention';

export const RUN_STATES = ['awaiting-approval', 'queued', 'running', 'finished'] as const;
export type RunState = (typeof RUN_STATES)[number];
export const RUN_OUTCOMES = ['succeeded', 'failed', 'timed-out', 'cancelled', 'interrupted', 'error'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface RunConfigRecord {
  values: Record<string, string>;
  files: Record<string, string>;
  /** Declared secret name -> vault item name. Names only. */
  secrets: Record<string, string>;
}

export interface RunRecord {
  id: string;
  bundle: { name: string; version: string; digest: string };
  imageId: string;
  task: { id: string; title: string; access: 'read-only' | 'read-write' };
  startedBy: string;
  reason: string | null;
  config: RunConfigRecord;
  state: RunState;
  outcome: RunOutcome | null;
  approvalRequired: boolean;
  approvedBy: string | null;
  approvedAt: string | null;
  cancelRequestedBy: string | null;
  cancelRequestedAt: string | null;
  instanceId: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  timeoutSeconds: number;
  deadline: string | null;
  exitCode: number | null;
  error: string | null;
  sandbox: SandboxRecord | null;
  issues: IssueLine[];
  report: ReportLine[];
  warnings: string[];
  log: { totalBytes: number; keptBytes: number; truncated: boolean };
  /** When and by whom a purge removed the log and the issues/report (docs/retention.md). */
  purged: { logs: PurgeMark | null; report: PurgeMark | null };
  /** The schedule that started it (null: a person did). */
  scheduleId: string | null;
  /** The enrolled node it ran on (or was named for); null: this workstation. */
  node: string | null;
  /** How its node was chosen: the labels asked for and the node named, if any; null: this workstation. */
  placement: RunPlacement | null;
  /** The run this one retries on another node. */
  retryOf: string | null;
}

export interface RunPlacement {
  labels: Record<string, string>;
  node: string | null;
  retryElsewhere: boolean;
}

export interface NewRun {
  id: string;
  bundle: { name: string; version: string; digest: string };
  imageId: string;
  task: { id: string; title: string; access: 'read-only' | 'read-write' };
  startedBy: string;
  reason: string | null;
  config: RunConfigRecord;
  state: RunState;
  approvalRequired: boolean;
  instanceId: string;
  createdAt: string;
  timeoutSeconds: number;
  /** The enrolled node it runs on; null: this workstation's engine (or not chosen yet). */
  node?: string | null;
  placement?: RunPlacement | null;
  retryOf?: string | null;
}

export interface RunFinish {
  outcome: RunOutcome;
  endedAt: string;
  exitCode?: number | null;
  error?: string | null;
  issues?: IssueLine[];
  report?: ReportLine[];
  metrics?: MetricLine[];
  warnings?: string[];
  log?: { totalBytes: number; keptBytes: number; truncated: boolean };
  /** The run's container, when made (a local run records it as it settles: execute.ts). */
  containerId?: string | null;
}

type Cell = string | number | null | undefined;
type Row = Record<string, Cell>;

function toRecord(r: Row): RunRecord {
  const json = <T>(v: Cell, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);
  const str = (v: Cell): string | null => (v === null || v === undefined ? null : String(v));
  return {
    id: String(r.id),
    bundle: { name: String(r.bundle_name), version: String(r.bundle_version), digest: String(r.bundle_digest) },
    imageId: String(r.image_id),
    task: { id: String(r.task_id), title: String(r.task_title), access: r.access === 'read-write' ? 'read-write' : 'read-only' },
    startedBy: String(r.started_by),
    reason: str(r.reason),
    config: json(r.config, { values: {}, files: {}, secrets: {} }),
    state: r.state as RunState,
    outcome: (r.outcome as RunOutcome | null) ?? null,
    approvalRequired: r.approval_required === 1,
    approvedBy: str(r.approved_by),
    approvedAt: str(r.approved_at),
    cancelRequestedBy: str(r.cancel_requested_by),
    cancelRequestedAt: str(r.cancel_requested_at),
    instanceId: str(r.instance_id),
    createdAt: String(r.created_at),
    startedAt: str(r.started_at),
    endedAt: str(r.ended_at),
    timeoutSeconds: Number(r.timeout_seconds),
    deadline: str(r.deadline),
    exitCode: r.exit_code === null || r.exit_code === undefined ? null : Number(r.exit_code),
    error: str(r.error),
    sandbox: json<SandboxRecord | null>(r.sandbox, null),
    issues: json(r.issues, []),
    report: json(r.report, []),
    warnings: json(r.warnings, []),
    log: { totalBytes: Number(r.log_total_bytes), keptBytes: Number(r.log_kept_bytes), truncated: r.log_truncated === 1 },
    purged: purgeMarksOf(r),
    scheduleId: str(r.schedule_id),
    node: str(r.node),
    placement: json<RunPlacement | null>(r.placement, null),
    retryOf: str(r.retry_of),
  };
}

/** Critical (severity 1) issues a run raised, counted in the store. */
const CRITICAL = "(SELECT count(*) FROM json_each(runs.issues) WHERE json_extract(json_each.value, '$.severity') = 1)";

const SORT_COLUMNS = {
  created: 'created_at',
  ended: 'ended_at',
  duration: '(julianday(ended_at) - julianday(started_at))',
  task: 'lower(task_title)',
  bundle: 'lower(bundle_name)',
  startedBy: 'lower(started_by)',
  issues: 'json_array_length(issues)',
} as const;

export interface RunQuery {
  limit?: number;
  offset?: number;
  state?: RunState;
  outcome?: RunOutcome;
  access?: 'read-only' | 'read-write';
  text?: string;
  bundle?: string;
  task?: string;
  critical?: boolean;
  from?: string;
  to?: string;
  sort?: { column: keyof typeof SORT_COLUMNS; direction: 'ascending' | 'descending' };
}

export class RunRecords<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Runs on a node that are not finished (their containers and volumes there must stay). */
  /** How many runs are running on each node now (nodes with none are absent). */
  runningByNode(): Map<string, number> {
    const rows = this.db
      .prepare("SELECT node, COUNT(*) AS n FROM runs WHERE state = 'running' AND node IS NOT NULL GROUP BY node")
      .all() as Array<{ node: string; n: number }>;
    return new Map(rows.map((r) => [r.node, r.n]));
  }

  unfinishedOn(node: string): string[] {
    return (this.db.prepare("SELECT id FROM runs WHERE node = ? AND state != 'finished'").all(node) as Array<{ id: string }>).map(
      (r) => r.id,
    );
  }

  insert(this: RunRecords<Database>, run: NewRun): void {
    this.db
      .prepare(
        `INSERT INTO runs(id, bundle_name, bundle_version, bundle_digest, image_id, task_id, task_title, access, started_by, reason, config,
          state, approval_required, instance_id, created_at, timeout_seconds, node, placement, retry_of)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.bundle.name,
        run.bundle.version,
        run.bundle.digest,
        run.imageId,
        run.task.id,
        run.task.title,
        run.task.access,
        run.startedBy,
        run.reason,
        JSON.stringify(run.config),
        run.state,
        run.approvalRequired ? 1 : 0,
        run.instanceId,
        run.createdAt,
        run.timeoutSeconds,
        run.node ?? null,
        run.placement ? JSON.stringify(run.placement) : null,
        run.retryOf ?? null,
      );
  }

  /** A run a schedule started: which schedule, and the approval the schedule carries (a read-write task's). */
  markScheduled(this: RunRecords<Database>, id: string, scheduleId: string, approval: { by: string; at: string } | null): void {
    this.db
      .prepare('UPDATE runs SET schedule_id = ?, approval_required = ?, approved_by = ?, approved_at = ? WHERE id = ?')
      .run(scheduleId, approval ? 1 : 0, approval?.by ?? null, approval?.at ?? null, id);
  }

  /** The node the runner chose for a run placed by labels, as it starts. */
  assignNode(this: RunRecords<Database>, id: string, node: string): void {
    this.db.prepare('UPDATE runs SET node = ? WHERE id = ?').run(node, id);
  }

  /** Unfinished runs per node (the Nodes screen's load). */
  activeByNode(): Map<string, { running: number; queued: number }> {
    const rows = this.db
      .prepare("SELECT node, state, count(*) AS n FROM runs WHERE node IS NOT NULL AND state <> 'finished' GROUP BY node, state")
      .all() as Array<{ node: string; state: string; n: number }>;
    const out = new Map<string, { running: number; queued: number }>();
    for (const r of rows) {
      const load = out.get(r.node) ?? { running: 0, queued: 0 };
      if (r.state === 'running') load.running += r.n;
      else load.queued += r.n;
      out.set(r.node, load);
    }
    return out;
  }

  get(id: string): RunRecord | null {
    const row = preparedOnce(this.db, 'SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** The newest runs (optionally of one state). */
  list(options: { limit?: number; state?: RunState } = {}): RunRecord[] {
    return this.page({ ...options }).runs;
  }

  /**
   * One page of runs matching `query`, in its order (newest first by default), and how many match in
   * all. Sorting and paging happen here, so a page is the same whatever was read before it.
   */
  page(query: RunQuery): { runs: RunRecord[]; total: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    const equal = { state: 'state', outcome: 'outcome', access: 'access', bundle: 'bundle_name', task: 'task_id' } as const;
    for (const [key, column] of Object.entries(equal) as Array<[keyof typeof equal, string]>) {
      const value = query[key];
      if (value) {
        where.push(`${column} = @${key}`);
        params[key] = value;
      }
    }
    if (query.from) {
      where.push('created_at >= @from');
      params.from = query.from;
    }
    if (query.to) {
      where.push('created_at < @to');
      params.to = query.to;
    }
    if (query.critical) where.push(`${CRITICAL} > 0`);
    const words = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    words.forEach((w, i) => {
      where.push(`instr(lower(id || ' ' || bundle_name || ' ' || task_id || ' ' || task_title || ' ' || started_by), @w${i}) > 0`);
      params[`w${i}`] = w;
    });
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const sort = query.sort ?? { column: 'created', direction: 'descending' };
    const expr = SORT_COLUMNS[sort.column];
    const dir = sort.direction === 'ascending' ? 'ASC' : 'DESC';
    // Empty values (a run not ended yet) last in both directions; ties newest first.
    const order = `ORDER BY (${expr}) IS NULL, ${expr} ${dir}, created_at DESC, rowid DESC`;
    const total = (this.db.prepare(`SELECT count(*) AS n FROM runs ${filter}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM runs ${filter} ${order} LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: query.limit ?? 50, offset: query.offset ?? 0 }) as Row[];
    return { runs: rows.map(toRecord), total };
  }

  /** The last `lines` log lines of a run (seq ascending), e.g. for a summary prompt's log tail. */
  logTail(runId: string, lines: number): Array<{ seq: number; stream: string; text: string }> {
    const rows = this.db
      .prepare('SELECT seq, stream, text FROM run_logs WHERE run_id = ? ORDER BY seq DESC LIMIT ?')
      .all(runId, lines) as Array<{ seq: number; stream: string; text: string }>;
    return rows.reverse();
  }

  /**
   * What the stored lines of a run hold (task lines: text + line break, UTF-8, as the capture counts
   * them): the log's size while the run is running, or when the runner stopped before it counted the rest.
   */
  storedLogBytes(runId: string): number {
    const row = this.db
      .prepare("SELECT COALESCE(SUM(length(CAST(text AS BLOB)) + 1), 0) AS n FROM run_logs WHERE run_id = ? AND stream <> 'system'")
      .get(runId) as { n: number };
    return Number(row.n);
  }

  logLineCount(runId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM run_logs WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** Every run's bundle, task and recorded configuration values (for masking on egress). */
  recordedValues(): Array<{ bundleDigest: string; taskId: string; values: Record<string, string> }> {
    const rows = this.db.prepare('SELECT bundle_digest, task_id, config FROM runs').all() as Array<{
      bundle_digest: string;
      task_id: string;
      config: string;
    }>;
    return rows.map((r) => ({
      bundleDigest: r.bundle_digest,
      taskId: r.task_id,
      values: (JSON.parse(r.config) as { values?: Record<string, string> }).values ?? {},
    }));
  }

  /** Runs not yet settled (any state but finished). */
  unsettled(): RunRecord[] {
    return (this.db.prepare("SELECT * FROM runs WHERE state <> 'finished' ORDER BY rowid").all() as Row[]).map(toRecord);
  }

  setQueued(this: RunRecords<Database>, id: string): void {
    this.db.prepare("UPDATE runs SET state = 'queued' WHERE id = ? AND state = 'awaiting-approval'").run(id);
  }

  markRunning(
    this: RunRecords<Database>,
    id: string,
    fields: { startedAt: string; deadline: string; sandbox: SandboxRecord; containerId: string | null },
  ): void {
    preparedOnce(
      this.db,
      "UPDATE runs SET state = 'running', started_at = ?, deadline = ?, sandbox = ?, container_id = ? WHERE id = ?",
    ).run(fields.startedAt, fields.deadline, JSON.stringify(fields.sandbox), fields.containerId, id);
  }

  /** Records the approver; false when the run is no longer waiting. */
  approve(this: RunRecords<Database>, id: string, by: string, at: string): boolean {
    const r = this.db
      .prepare(
        "UPDATE runs SET approved_by = ?, approved_at = ?, state = 'queued' WHERE id = ? AND state = 'awaiting-approval' AND approved_by IS NULL",
      )
      .run(by, at, id);
    return r.changes === 1;
  }

  requestCancel(this: RunRecords<Database>, id: string, by: string, at: string): boolean {
    const r = this.db
      .prepare(
        "UPDATE runs SET cancel_requested_by = ?, cancel_requested_at = ? WHERE id = ? AND state <> 'finished' AND cancel_requested_at IS NULL",
      )
      .run(by, at, id);
    return r.changes === 1;
  }

  /** Settles a run once; false when it was already finished. */
  finish(this: RunRecords<Database>, id: string, f: RunFinish): boolean {
    const r = preparedOnce(
      this.db,
      `UPDATE runs SET state = 'finished', outcome = ?, ended_at = ?, exit_code = ?, error = ?,
           issues = COALESCE(?, issues), report = COALESCE(?, report), warnings = COALESCE(?, warnings),
           log_total_bytes = COALESCE(?, log_total_bytes), log_kept_bytes = COALESCE(?, log_kept_bytes), log_truncated = COALESCE(?, log_truncated),
           container_id = COALESCE(?, container_id)
         WHERE id = ? AND state <> 'finished'`,
    ).run(
      f.outcome,
      f.endedAt,
      f.exitCode ?? null,
      f.error ?? null,
      f.issues ? JSON.stringify(f.issues) : null,
      f.report ? JSON.stringify(f.report) : null,
      f.warnings ? JSON.stringify(f.warnings) : null,
      f.log ? f.log.totalBytes : null,
      f.log ? f.log.keptBytes : null,
      f.log ? (f.log.truncated ? 1 : 0) : null,
      f.containerId ?? null,
      id,
    );
    if (r.changes !== 1) return false;
    if (f.metrics?.length) this.insertMetrics(id, f.metrics, f.endedAt);
    return true;
  }

  /** Adds warnings to a settled run's (problems found after it settled: its cleanup). */
  addWarnings(this: RunRecords<Database>, id: string, warnings: readonly string[]): void {
    const row = preparedOnce(this.db, 'SELECT warnings FROM runs WHERE id = ?').get(id) as { warnings: string | null } | undefined;
    if (!row) return;
    const had = row.warnings ? (JSON.parse(row.warnings) as string[]) : [];
    preparedOnce(this.db, 'UPDATE runs SET warnings = ? WHERE id = ?').run(JSON.stringify([...had, ...warnings]), id);
  }

  /** A run's SLI values, stored with its bundle and task so the Health screen reads them by task and time. */
  private insertMetrics(this: RunRecords<Database>, id: string, metrics: readonly MetricLine[], endedAt: string): void {
    const run = this.db.prepare('SELECT bundle_name, task_id FROM runs WHERE id = ?').get(id) as { bundle_name: string; task_id: string };
    const insert = this.db.prepare(
      'INSERT INTO run_metrics(run_id, seq, bundle, task, name, value, unit, labels, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    metrics.forEach((m, seq) =>
      insert.run(id, seq, run.bundle_name, run.task_id, m.name, m.value, m.unit, JSON.stringify(m.labels), m.observedAt ?? endedAt),
    );
  }

  /** Which of these runs someone asked to cancel (polled by the lease holder). */
  cancelRequested(ids: readonly string[]): Set<string> {
    if (ids.length === 0) return new Set();
    const rows = this.db
      .prepare(`SELECT id FROM runs WHERE cancel_requested_at IS NOT NULL AND id IN (${ids.map(() => '?').join(',')})`)
      .all(...ids) as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  }

  appendLogs(this: RunRecords<Database>, runId: string, lines: readonly LogLine[]): void {
    const insert = preparedOnce(this.db, 'INSERT INTO run_logs(run_id, seq, time, stream, text, continues) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const l of lines) insert.run(runId, l.seq, l.time, l.stream, l.text, l.continues ? 1 : 0);
    })();
  }

  /** The highest sequence number stored for a run's log (0 when none): lines are numbered 1, 2, … without gaps. */
  lastLogSeq(runId: string): number {
    const row = this.db.prepare('SELECT max(seq) AS last FROM run_logs WHERE run_id = ?').get(runId) as { last: number | null };
    return row.last ?? 0;
  }

  /** Every stored line of a run in order, read one row at a time (for searching a long log without holding it). */
  *eachLogLine(runId: string): Generator<{ seq: number; stream: LogStream; text: string }> {
    yield* this.db.prepare('SELECT seq, stream, text FROM run_logs WHERE run_id = ? ORDER BY seq').iterate(runId) as Iterable<{
      seq: number;
      stream: LogStream;
      text: string;
    }>;
  }

  logs(runId: string, options: { afterSeq?: number; limit?: number } = {}): LogLine[] {
    const rows = this.db
      .prepare('SELECT seq, time, stream, text, continues FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(runId, options.afterSeq ?? 0, options.limit ?? 10_000) as Array<{
      seq: number;
      time: string;
      stream: LogStream;
      text: string;
      continues: number;
    }>;
    return rows.map((r) => ({ seq: r.seq, time: r.time, stream: r.stream, text: r.text, ...(r.continues ? { continues: true } : {}) }));
  }
}
