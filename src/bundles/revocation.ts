/**
 * Revoked digests. A revocation names a digest (an image manifest, the index that lists it, or the
 * image id) and takes effect at once: imports of it are refused and tasks of a bundle it matches are
 * disabled. A digest may be revoked before anyone imports it.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, preparedOnce, type ReadonlyDb } from '../kernel';
import { isDigest } from '../oci';
import { checkSeal, writeSeal, type Signer } from '../store';

const SCOPE = 'bundles.revocations';

const sealRows = (rows: Row[]) => new Map(rows.map((r) => [r.digest, { ...r }]));

/** Re-signs the revocations with the admin key: deleting one outside the app would bring a revoked bundle back. */
export function sealRevocations(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM revocations').all() as Row[]), signer, new Date().toISOString());
}

function checkedRows(db: ReadonlyDb): Row[] {
  const rows = preparedOnce(db, 'SELECT * FROM revocations ORDER BY revoked_at, digest').all() as Row[];
  checkSeal(db, SCOPE, 'the revoked digests', sealRows(rows));
  return rows;
}

export interface Revocation {
  digest: string;
  reason: string;
  revokedBy: string;
  revokedAt: string;
}

interface Row {
  digest: string;
  reason: string;
  revoked_by: string;
  revoked_at: string;
}

const toRevocation = (r: Row): Revocation => ({ digest: r.digest, reason: r.reason, revokedBy: r.revoked_by, revokedAt: r.revoked_at });

export function checkRevocableDigest(digest: string): string {
  if (!isDigest(digest))
    throw new ApiError(
      'INVALID_INPUT',
      `"${digest.slice(0, 80)}" is not a digest. Give sha256:<64 hex characters>, as \`bundle list\` shows it.`,
    );
  return digest;
}

/** Revokes a digest. Revoking it again keeps the first record. */
export function revokeDigest(
  db: Database,
  digest: string,
  reason: string,
  by: string,
  now: string,
  signer: Signer,
): { revocation: Revocation; created: boolean } {
  checkRevocableDigest(digest);
  checkedRows(db);
  const text = reason.trim();
  if (!text) throw new ApiError('INVALID_INPUT', 'Say why the digest is revoked (--reason TEXT).');
  const result = db
    .prepare('INSERT OR IGNORE INTO revocations (digest, reason, revoked_by, revoked_at) VALUES (?, ?, ?, ?)')
    .run(digest, text, by, now);
  const row = db.prepare('SELECT * FROM revocations WHERE digest = ?').get(digest) as Row;
  sealRevocations(db, signer);
  return { revocation: toRevocation(row), created: result.changes === 1 };
}

/** The revocation of the first of these digests that is revoked, if any. */
export function revocationFor(db: ReadonlyDb, digests: ReadonlyArray<string | null | undefined>): Revocation | undefined {
  const rows = checkedRows(db);
  for (const digest of digests) {
    if (!digest) continue;
    const row = rows.find((r) => r.digest === digest);
    if (row) return toRevocation(row);
  }
  return undefined;
}

export function listRevocations(db: ReadonlyDb): Revocation[] {
  return checkedRows(db).map(toRevocation);
}

/** All revocations, keyed by digest (for evaluating many bundles at once). */
export function revocationMap(db: ReadonlyDb): Map<string, Revocation> {
  return new Map(listRevocations(db).map((r) => [r.digest, r]));
}
