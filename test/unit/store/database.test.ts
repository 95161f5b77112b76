import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyStorePragmas, openDatabase, type Db } from '../../../src/store/database';
import { decryptDatabaseFile, decryptWalFile, PAGE_SIZE, textsFound } from '../../helpers/sqlcipher-decrypt';
import { tempDir } from '../../helpers/core';

const PRAGMAS = ['journal_mode', 'synchronous', 'foreign_keys', 'secure_delete', 'temp_store', 'busy_timeout', 'cache_size'];
const settings = (db: Db) => Object.fromEntries(PRAGMAS.map((p) => [p, db.pragma(p, { simple: true })]));

test('a store connection runs with the documented pragmas, and its file and WAL decrypt with the SQLCipher 4 defaults', () => {
  const dir = tempDir();
  const key = randomBytes(32);
  const path = join(dir, 'store.db');
  const db = openDatabase(path, key, { create: true });
  try {
    assert.deepEqual(settings(db), {
      journal_mode: 'wal',
      synchronous: 2, // FULL
      foreign_keys: 1,
      secure_delete: 1,
      temp_store: 2, // MEMORY
      busy_timeout: 5000,
      cache_size: -16000, // 16 MiB of page cache: better-sqlite3's compiled default, left as it is
    });
    assert.equal(db.pragma('page_size', { simple: true }), PAGE_SIZE);
    db.exec('CREATE TABLE t (v TEXT)');
    db.prepare('INSERT INTO t VALUES (?)').run('canary-in-the-wal');
    const wal = decryptWalFile(`${path}-wal`, key);
    assert.ok(wal.length > 0);
    assert.deepEqual(textsFound(wal, ['canary-in-the-wal']), ['canary-in-the-wal']);
    assert.equal(readFileSync(`${path}-wal`).includes('canary-in-the-wal'), false);
    db.pragma('wal_checkpoint(TRUNCATE)');
    assert.deepEqual(textsFound(decryptDatabaseFile(path, key), ['canary-in-the-wal']), ['canary-in-the-wal']);
    assert.equal(readFileSync(path).includes('canary-in-the-wal'), false);
  } finally {
    db.close();
  }
});

test("bench/store's unencrypted baseline gets exactly the store's pragmas", () => {
  const dir = tempDir();
  const enc = openDatabase(join(dir, 'enc.db'), randomBytes(32), { create: true });
  const plain = new Database(join(dir, 'plain.db'));
  try {
    applyStorePragmas(plain, { readonly: false });
    assert.deepEqual(settings(plain), settings(enc));
  } finally {
    enc.close();
    plain.close();
  }
});
