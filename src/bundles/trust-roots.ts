/**
 * Trust roots in the catalog: the PEM public keys signatures are checked against (docs/signatures.md).
 * A removed key stays on record (who removed it, when) and stops counting at once: bundles it signed
 * are disabled until it is added again.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, preparedOnce, type ReadonlyDb } from '../kernel';
import { checkSeal, writeSeal, type Signer } from '../store';
import { parseTrustedKeyPem, type TrustedKey } from '../trust';

export interface TrustKeyRecord {
  fingerprint: string;
  algorithm: string;
  comment: string;
  pem: string;
  addedBy: string;
  addedAt: string;
  removedBy: string | null;
  removedAt: string | null;
}

interface Row {
  fingerprint: string;
  algorithm: string;
  comment: string;
  pem: string;
  added_by: string;
  added_at: string;
  removed_by: string | null;
  removed_at: string | null;
}

const toRecord = (r: Row): TrustKeyRecord => ({
  fingerprint: r.fingerprint,
  algorithm: r.algorithm,
  comment: r.comment,
  pem: r.pem,
  addedBy: r.added_by,
  addedAt: r.added_at,
  removedBy: r.removed_by,
  removedAt: r.removed_at,
});

const SCOPE = 'bundles.trustKeys';

const sealRows = (rows: Row[]) => new Map(rows.map((r) => [r.fingerprint, { ...r }]));

/**
 * Every row (removed keys too), after checking the admin seal: a trust root only an admin added
 * counts, and a removal nobody can undo outside the app (src/store/seals.ts).
 */
function checkedRows(db: ReadonlyDb): Row[] {
  const rows = preparedOnce(db, 'SELECT * FROM trust_keys ORDER BY added_at, fingerprint').all() as Row[];
  checkSeal(db, SCOPE, 'the trust roots (keys signatures are checked against)', sealRows(rows));
  return rows;
}

export function sealTrustKeys(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM trust_keys').all() as Row[]), signer, new Date().toISOString());
}

export function listTrustKeys(db: ReadonlyDb, options: { includeRemoved?: boolean } = {}): TrustKeyRecord[] {
  return checkedRows(db)
    .filter((r) => options.includeRemoved || r.removed_at === null)
    .map(toRecord);
}

/** The keys signatures are checked against now. */
export function activeTrustedKeys(db: ReadonlyDb): TrustedKey[] {
  return listTrustKeys(db).map((k) => parseTrustedKeyPem(k.pem));
}

export function activeFingerprints(db: ReadonlyDb): Set<string> {
  return new Set(listTrustKeys(db).map((r) => r.fingerprint));
}

export type AddKeyOutcome = 'added' | 'restored' | 'already-trusted';

/** Adds a key (or puts a removed one back). Re-adding a trusted key changes nothing. */
export function addTrustKey(
  db: Database,
  key: TrustedKey,
  comment: string,
  by: string,
  now: string,
  signer: Signer,
): { key: TrustKeyRecord; outcome: AddKeyOutcome } {
  checkedRows(db);
  const existing = db.prepare('SELECT * FROM trust_keys WHERE fingerprint = ?').get(key.fingerprint) as Row | undefined;
  let outcome: AddKeyOutcome;
  if (!existing) {
    db.prepare('INSERT INTO trust_keys (fingerprint, algorithm, pem, comment, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      key.fingerprint,
      key.algorithm,
      key.pem,
      comment,
      by,
      now,
    );
    outcome = 'added';
  } else if (existing.removed_at !== null) {
    db.prepare(
      'UPDATE trust_keys SET removed_at = NULL, removed_by = NULL, added_by = ?, added_at = ?, comment = ? WHERE fingerprint = ?',
    ).run(by, now, comment || existing.comment, key.fingerprint);
    outcome = 'restored';
  } else {
    outcome = 'already-trusted';
  }
  sealTrustKeys(db, signer);
  return { key: toRecord(db.prepare('SELECT * FROM trust_keys WHERE fingerprint = ?').get(key.fingerprint) as Row), outcome };
}

/**
 * A fingerprint as people type it: the 64 hex characters (colons and a `sha256:` prefix tolerated),
 * or a unique prefix of at least 12.
 */
export function normaliseFingerprint(text: string): string {
  const value = text
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '')
    .replace(/:/g, '');
  if (!/^[0-9a-f]{12,64}$/.test(value)) {
    throw new ApiError(
      'INVALID_INPUT',
      'A key fingerprint is 64 hexadecimal characters (or a unique prefix of at least 12), as `trust list` shows it.',
    );
  }
  return value;
}

export function findTrustKey(db: ReadonlyDb, fingerprint: string, options: { includeRemoved?: boolean } = {}): TrustKeyRecord {
  const prefix = normaliseFingerprint(fingerprint);
  checkedRows(db);
  const rows = (
    db
      .prepare(`SELECT * FROM trust_keys WHERE fingerprint LIKE ? || '%' ${options.includeRemoved ? '' : 'AND removed_at IS NULL'}`)
      .all(prefix) as Row[]
  ).map(toRecord);
  if (rows.length === 0) throw new ApiError('NOT_FOUND', `No trusted key has the fingerprint ${prefix}. See \`trust list\`.`);
  if (rows.length > 1) throw new ApiError('INVALID_INPUT', `Several trusted keys start with ${prefix}; give more of the fingerprint.`);
  return rows[0]!;
}

/** Marks a key removed; it stops counting at once. NOT_FOUND when no trusted key matches. */
export function removeTrustKey(db: Database, fingerprint: string, by: string, now: string, signer: Signer): TrustKeyRecord {
  const key = findTrustKey(db, fingerprint);
  db.prepare('UPDATE trust_keys SET removed_at = ?, removed_by = ? WHERE fingerprint = ?').run(now, by, key.fingerprint);
  sealTrustKeys(db, signer);
  return { ...key, removedAt: now, removedBy: by };
}
