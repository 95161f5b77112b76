/**
 * The settings table (migration 0001). Domains read their own block through `readSettings`; only
 * `settings.set` (and the retention operation for its two keys) write, after the block's schema.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { settingsFrom, type SettingsBlock, type SettingsOf } from '../kernel';

/** Every stored value by key, decoded. */
export function storedSettings(db: Database): Map<string, unknown> {
  const rows = db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
  return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
}

/** A block's values: the stored ones over the defaults, read fresh (an admin may have just changed one). */
export function readSettings<B extends SettingsBlock>(db: Database, block: B): SettingsOf<B> {
  return settingsFrom(block, storedSettings(db));
}

export function writeSetting(db: Database, key: string, value: unknown, by: string, now: string): void {
  db.prepare(
    'INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
  ).run(key, JSON.stringify(value), now, by);
}
