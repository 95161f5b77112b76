/** The run_summaries table (migration 6): one row per call to the LLM endpoint. */
import type { ReadonlyDb } from '../kernel';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { PurgedWithRuns } from '../runner';

export type SummaryStatus = 'sending' | 'ok' | 'error';

export interface SummaryRecord {
  id: string;
  runId: string;
  createdAt: string;
  createdBy: string;
  /** Where it was sent: the chat completions URL. */
  endpoint: string;
  model: string;
  ruleSet: string;
  ruleVersion: string;
  /** The redacted text exactly as it was sent. */
  prompt: string;
  /** The answer exactly as received (with pseudonyms); null until it came, or on error. */
  answer: string | null;
  replacementCounts: Record<string, number>;
  status: SummaryStatus;
  error: string | null;
  finishedAt: string | null;
}

interface Row {
  id: string;
  run_id: string;
  created_at: string;
  created_by: string;
  endpoint: string;
  model: string;
  rule_set: string;
  rule_version: string;
  prompt: string;
  answer: string | null;
  replacement_counts: string;
  status: SummaryStatus;
  error: string | null;
  finished_at: string | null;
}

function toRecord(r: Row): SummaryRecord {
  return {
    id: r.id,
    runId: r.run_id,
    createdAt: r.created_at,
    createdBy: r.created_by,
    endpoint: r.endpoint,
    model: r.model,
    ruleSet: r.rule_set,
    ruleVersion: r.rule_version,
    prompt: r.prompt,
    answer: r.answer,
    replacementCounts: JSON.parse(r.replacement_counts) as Record<string, number>,
    status: r.status,
    error: r.error,
    finishedAt: r.finished_at,
  };
}

export class RunSummaries<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Written before the request leaves. */
  insertSending(this: RunSummaries<Database>, s: Omit<SummaryRecord, 'answer' | 'status' | 'error' | 'finishedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO run_summaries(id, run_id, created_at, created_by, endpoint, model, rule_set, rule_version, prompt, replacement_counts, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending')`,
      )
      .run(
        s.id,
        s.runId,
        s.createdAt,
        s.createdBy,
        s.endpoint,
        s.model,
        s.ruleSet,
        s.ruleVersion,
        s.prompt,
        JSON.stringify(s.replacementCounts),
      );
  }

  finish(
    this: RunSummaries<Database>,
    id: string,
    result: { status: 'ok'; answer: string } | { status: 'error'; error: string },
    at: string,
  ): void {
    this.db
      .prepare("UPDATE run_summaries SET status = ?, answer = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'sending'")
      .run(result.status, result.status === 'ok' ? result.answer : null, result.status === 'error' ? result.error : null, at, id);
  }

  get(id: string): SummaryRecord | null {
    const row = this.db.prepare('SELECT * FROM run_summaries WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** A run's summaries, newest first. */
  forRun(runId: string, limit = 50): SummaryRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM run_summaries WHERE run_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
        .all(runId, limit) as Row[]
    ).map(toRecord);
  }
}

function hasSummariesTable(db: ReadonlyDb): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_summaries'").get() !== undefined;
}

/** A purge of runs' output takes the summaries made of it (what was sent, and the answer) with it. */
export const summariesPurgedWithRuns: PurgedWithRuns = {
  count: (db, runIds, params) =>
    hasSummariesTable(db)
      ? Number(
          (db.prepare(`SELECT count(*) AS n FROM run_summaries WHERE run_id IN (${runIds})`).get(params) as { n: number | null }).n ?? 0,
        )
      : 0,
  remove: (db, runIds, params) => {
    if (hasSummariesTable(db)) db.prepare(`DELETE FROM run_summaries WHERE run_id IN (${runIds})`).run(params);
  },
};
