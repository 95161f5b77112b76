/**
 * The settings table (migration 0001). Domains read their own block through `readSettings`; only
 * `settings.set` (and the retention operation for its two keys) write, after the block's schema.
 * Settings decide what users may do (signatures optional, the engine socket, the LLM endpoint and its
 * key, host networking…), so the table is sealed with the admin key (seals.ts): every read checks the
 * seal, every write re-signs it.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { preparedOnce, settingsFrom, type ReadonlyDb, type SettingsBlock, type SettingsOf } from '../kernel';
import { checkSeal, writeSeal, type Signer } from './seals';

const SCOPE = 'store.settings';

function rows(db: ReadonlyDb): Array<{ key: string; value: string }> {
  return preparedOnce(db, 'SELECT key, value FROM settings ORDER BY key').all() as Array<{ key: string; value: string }>;
}

const sealRows = (list: Array<{ key: string; value: string }>) => new Map(list.map((r) => [r.key, r.value]));

/** Every stored value by key, decoded, after checking the admin seal (VERIFY_FAILED naming the altered keys). */
export function storedSettings(db: ReadonlyDb): Map<string, unknown> {
  const list = rows(db);
  checkSeal(db, SCOPE, 'the settings table', sealRows(list));
  return new Map(list.map((r) => [r.key, JSON.parse(r.value) as unknown]));
}

/** A block's values: the stored ones over the defaults, read fresh (an admin may have just changed one). */
export function readSettings<B extends SettingsBlock>(db: ReadonlyDb, block: B): SettingsOf<B> {
  return settingsFrom(block, storedSettings(db));
}

export function writeSetting(db: Database, key: string, value: unknown, by: string, now: string, signer: Signer): void {
  storedSettings(db);
  db.prepare(
    'INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
  ).run(key, JSON.stringify(value), now, by);
  sealSettings(db, signer);
}

export function sealSettings(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(rows(db)), signer, new Date().toISOString());
}
