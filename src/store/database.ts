/**
 * Opens the SQLCipher-compatible database (better-sqlite3-multiple-ciphers) with a raw 256-bit
 * data key and pins the pragmas ARCHITECTURE.md lists. The whole file is encrypted, WAL included.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';

export type { Db };

function applyKey(db: Db, pragma: 'key' | 'rekey', key: Buffer): void {
  if (key.length !== 32) throw new Error('data key must be 32 bytes');
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`${pragma} = "x'${key.toString('hex')}'"`);
}

export type OpenFailure = 'wrong-key-or-damaged' | 'damaged';

export class DatabaseOpenError extends Error {
  constructor(
    readonly reason: OpenFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The pragmas every store connection runs with, after the key. Exported so bench/store gives the
 * unencrypted baseline exactly the same ones (docs/store.md lists them).
 */
export const STORE_PRAGMAS: readonly string[] = [
  'synchronous = FULL',
  'foreign_keys = ON',
  'secure_delete = ON',
  // The cipher does not encrypt temporary files: sorts, temp tables and VACUUM's copy stay in memory.
  'temp_store = MEMORY',
  'busy_timeout = 5000',
];

export function applyStorePragmas(db: Db, options: { readonly: boolean }): void {
  if (!options.readonly) db.pragma('journal_mode = WAL');
  for (const pragma of STORE_PRAGMAS) db.pragma(pragma);
}

/** Opens and checks the database; throws DatabaseOpenError without changing the file. */
export function openDatabase(path: string, dataKey: Buffer, options: { create?: boolean; readonly?: boolean } = {}): Db {
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: !options.create, readonly: options.readonly ?? false });
  } catch (error) {
    throw new DatabaseOpenError('damaged', `cannot open the database file: ${(error as Error).message}`);
  }
  try {
    applyKey(db, 'key', dataKey);
    // The first read proves the key; SQLITE_NOTADB means wrong key or a damaged first page.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch {
    db.close();
    throw new DatabaseOpenError('wrong-key-or-damaged', 'the database does not open with this data key');
  }
  try {
    applyStorePragmas(db, { readonly: options.readonly ?? false });
    checkIntegrity(db, 'quick');
  } catch (error) {
    db.close();
    if (error instanceof DatabaseOpenError) throw error;
    throw new DatabaseOpenError('damaged', `the database is damaged: ${(error as Error).message}`);
  }
  return db;
}

/** cipher_integrity_check (page HMACs) plus SQLite's own check. Throws DatabaseOpenError('damaged'). */
export function checkIntegrity(db: ReadonlyDb, depth: 'quick' | 'full'): void {
  const cipherProblems = db.pragma('cipher_integrity_check') as unknown[];
  if (cipherProblems.length > 0) {
    throw new DatabaseOpenError('damaged', `page authentication failed (${cipherProblems.length} problem(s))`);
  }
  const rows = db.pragma(depth === 'quick' ? 'quick_check' : 'integrity_check') as Array<Record<string, string>>;
  const messages = rows.map((r) => Object.values(r)[0]).filter((m) => m !== 'ok');
  if (messages.length > 0) throw new DatabaseOpenError('damaged', `integrity check failed: ${messages.slice(0, 3).join('; ')}`);
}

/**
 * Moves every WAL frame into the database file and truncates the WAL to zero bytes, so a page a
 * deletion changed has no older copy left in the WAL (secure_delete covers the database file).
 */
export function truncateWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * Re-encrypts the whole file under a new data key. The cipher cannot rekey in WAL mode, so the
 * journal is switched to DELETE for the rewrite (atomic through SQLite's rollback journal) and back.
 */
export function rekeyDatabase(db: Db, newKey: Buffer): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const mode = db.pragma('journal_mode = DELETE', { simple: true });
  if (mode !== 'delete') throw new ApiError('LOCKED', 'Another process has the store open; close it and try again.');
  applyKey(db, 'rekey', newKey);
  db.pragma('journal_mode = WAL');
}

export function toApiOpenError(error: DatabaseOpenError): ApiError {
  return error.reason === 'damaged'
    ? new ApiError('INTERNAL', `The store database is damaged (${error.message}). Nothing was changed; restore it from a backup.`, {
        next: 'restore',
      })
    : new ApiError(
        'VERIFY_FAILED',
        'The store database does not open with the key from the keyslot file: the keyslot file is an older or foreign copy, or the database file is damaged. Nothing was changed; put back the current keyslots.json or restore from a backup.',
      );
}
