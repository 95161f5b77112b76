/** The store's meta table: a few key/value rows the store and some domains keep (key checks, file generation). */
import { preparedOnce, type ReadonlyDb } from '../kernel';
import type { Db } from './database';

/** A value of the store's meta table (domains keep a few keys there, e.g. redaction's pseudonym key). */
export function getMetaFrom(db: ReadonlyDb, key: string): string | undefined {
  return (preparedOnce(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

export function setMetaIn(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
