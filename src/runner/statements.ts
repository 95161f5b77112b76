/**
 * Statements of the runner's hot paths (every run's record, running mark, log lines, settled record,
 * the lease epoch each run write reads), prepared once per connection: a reopened or rekeyed store is
 * a new connection object, so a WeakMap keyed by it forgets the old one's. Only for statements used
 * with get() and run(): one read with iterate() keeps its statement busy across awaits, so it is
 * prepared per call.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { ReadonlyDb, ReadStatement } from '../kernel';

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
