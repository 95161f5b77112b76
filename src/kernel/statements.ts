/**
 * Statements of the hot paths (every run's record, running mark, log lines, settled record, the
 * lease epoch each run write reads; the reads each run's checks make: settings, seals, tag policy,
 * trust roots, revocations, the catalog, meta), prepared once per connection: a reopened or rekeyed
 * store is a new connection object, so a WeakMap keyed by it forgets the old one's. The SQL text is
 * the key, so a cached statement is the very statement a fresh prepare would give; SQLite prepares
 * it again itself when the schema changed. Only for statements used with get(), all() and run(),
 * which finish before they return: one read with iterate() keeps its statement busy across awaits,
 * so it is prepared per call.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { ReadonlyDb, ReadStatement } from './readonly-db';

const prepared = new WeakMap<object, Map<string, unknown>>();

export function preparedOnce(db: Database, sql: string): Statement;
export function preparedOnce(db: ReadonlyDb, sql: string): ReadStatement;
export function preparedOnce(db: ReadonlyDb | Database, sql: string): unknown {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}
