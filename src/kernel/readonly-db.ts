/**
 * The store's database as code that only reads gets it (after Signal's ReadableDB/WritableDB):
 * prepare a query and read its rows, run the checks that only read. What writes is not there: no
 * run(), exec(), transaction(), no other pragma, and no way back to the full database (a
 * statement's `database`). The open database
 * is assignable to it, so one connection serves both; a read handler, given only this type, cannot
 * compile a write. (It types the calls, not the SQL text: a query is still SQL the reviewer reads.)
 */

/** A prepared query: get, all, iterate; no run(). */
export interface ReadStatement<Result = unknown> {
  readonly source: string;
  readonly reader: boolean;
  get(...params: unknown[]): Result | undefined;
  all(...params: unknown[]): Result[];
  iterate(...params: unknown[]): IterableIterator<Result>;
  pluck(toggleState?: boolean): ReadStatement;
  expand(toggleState?: boolean): ReadStatement;
  raw(toggleState?: boolean): ReadStatement;
}

/** Pragmas that only look: the integrity checks. */
export type ReadPragma = 'integrity_check' | 'quick_check' | 'cipher_integrity_check';

export interface ReadonlyDb {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(source: string): ReadStatement;
  pragma(source: ReadPragma, options?: { simple?: boolean }): unknown;
}
