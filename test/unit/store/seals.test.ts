/**
 * checkSeal on an open connection remembers the seals it has verified (signature and manifest
 * together), so a seal is not verified again on every run's checks. What it remembers must never
 * let a change through: rows changed, added or removed after a check that passed, a seal altered or
 * removed while the rows stay, and rows and manifest rewritten together under a signature checked
 * earlier, are refused on the very next check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { adminSigner, checkSeal, writeSeal } from '../../../src/store';
import { registerAdminKey } from '../../../src/store/seals';

const SCOPE = 'test.rows';

function sealed() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE authz_seals (scope TEXT PRIMARY KEY, manifest TEXT NOT NULL, signature TEXT NOT NULL, signed_at TEXT NOT NULL)');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
  db.prepare("INSERT INTO t VALUES ('a', '1'), ('b', '2')").run();
  const signer = adminSigner(randomBytes(32));
  registerAdminKey(db, signer.publicKey);
  const rows = () => new Map((db.prepare('SELECT k, v FROM t ORDER BY k').all() as Array<{ k: string; v: string }>).map((r) => [r.k, r]));
  writeSeal(db, SCOPE, rows(), signer, new Date().toISOString());
  const check = () => checkSeal(db, SCOPE, 'the test table', rows());
  return { db, signer, rows, check };
}

const refused = (check: () => void, detail: RegExp) =>
  assert.throws(check, (e: { code?: string; message?: string }) => {
    assert.equal(e.code, 'VERIFY_FAILED');
    assert.match(e.message ?? '', detail);
    return true;
  });

test('rows changed, added or removed after a passing check are refused at the next check', () => {
  const { db, check } = sealed();
  check();
  check();
  db.prepare("UPDATE t SET v = '3' WHERE k = 'a'").run();
  refused(check, /changed: a/);
  db.prepare("UPDATE t SET v = '1' WHERE k = 'a'").run();
  check();
  db.prepare("INSERT INTO t VALUES ('c', '4')").run();
  refused(check, /added: c/);
  db.prepare("DELETE FROM t WHERE k IN ('b', 'c')").run();
  refused(check, /removed: b/);
});

test('a seal altered or removed while the rows stay is refused at the next check', () => {
  const { db, check } = sealed();
  check();
  db.prepare("UPDATE authz_seals SET manifest = manifest || ' ' WHERE scope = ?").run(SCOPE);
  refused(check, /does not verify/);
  db.prepare('DELETE FROM authz_seals WHERE scope = ?').run(SCOPE);
  refused(check, /has no admin seal/);
});

test('rows and manifest changed together under a signature already checked are refused (the signature is verified again)', () => {
  const { db, rows, check } = sealed();
  check();
  const old = db.prepare('SELECT signature FROM authz_seals WHERE scope = ?').get(SCOPE) as { signature: string };
  db.prepare("UPDATE t SET v = '7' WHERE k = 'a'").run();
  // The manifest of the new rows, written by someone without the admin key; the old signature put back.
  writeSeal(db, SCOPE, rows(), adminSigner(randomBytes(32)), new Date().toISOString());
  db.prepare('UPDATE authz_seals SET signature = ? WHERE scope = ?').run(old.signature, SCOPE);
  refused(check, /does not verify/);
});

test('a legitimate change, re-sealed, passes; the old rows then do not', () => {
  const { db, signer, rows, check } = sealed();
  check();
  db.prepare("UPDATE t SET v = '9' WHERE k = 'b'").run();
  writeSeal(db, SCOPE, rows(), signer, new Date().toISOString());
  check();
  db.prepare("UPDATE t SET v = '2' WHERE k = 'b'").run();
  refused(check, /changed: b/);
});
