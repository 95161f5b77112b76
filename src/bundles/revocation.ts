/**
 * Revoked digests. A revocation names a digest (an image manifest, the index that lists it, or the
 * image id) and takes effect at once: imports of it are refused and tasks of a bundle it matches are
 * disabled. A digest may be revoked before anyone imports it.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { isDigest } from '../oci';

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
): { revocation: Revocation; created: boolean } {
  checkRevocableDigest(digest);
  const text = reason.trim();
  if (!text) throw new ApiError('INVALID_INPUT', 'Say why the digest is revoked (--reason TEXT).');
  const result = db
    .prepare('INSERT OR IGNORE INTO revocations (digest, reason, revoked_by, revoked_at) VALUES (?, ?, ?, ?)')
    .run(digest, text, by, now);
  const row = db.prepare('SELECT * FROM revocations WHERE digest = ?').get(digest) as Row;
  return { revocation: toRevocation(row), created: result.changes === 1 };
}

/** The revocation of the first of these digests that is revoked, if any. */
export function revocationFor(db: ReadonlyDb, digests: ReadonlyArray<string | null | undefined>): Revocation | undefined {
  const get = db.prepare('SELECT * FROM revocations WHERE digest = ?');
  for (const digest of digests) {
    if (!digest) continue;
    const row = get.get(digest) as Row | undefined;
    if (row) return toRevocation(row);
  }
  return undefined;
}

export function listRevocations(db: ReadonlyDb): Revocation[] {
  return (db.prepare('SELECT * FROM revocations ORDER BY revoked_at, digest').all() as Row[]).map(toRevocation);
}

/** All revocations, keyed by digest (for evaluating many bundles at once). */
export function revocationMap(db: ReadonlyDb): Map<string, Revocation> {
  return new Map(listRevocations(db).map((r) => [r.digest, r]));
}
