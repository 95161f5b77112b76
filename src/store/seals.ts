/**
 * Admin seals over authorization state (THREAT_MODEL.md, "A signed-in user acting beyond their
 * role"). Every user can decrypt the database, so who may do what (users' roles, trust roots, the
 * tag policy, networks, settings, site patterns, purposes of vault items, remote engine nodes) is
 * signed with the admin key, an Ed25519 key only admin slots and the recovery slot hold. A seal
 * covers one table (a scope): a manifest of each row's primary key and the SHA-256 of the row's
 * canonical JSON, signed with the scope's name inside, so rows can be neither edited, added, removed
 * nor moved between tables. The domain that owns a table computes its rows (its own SQL) and calls
 * writeSeal after every change and checkSeal before every use; a mismatch is VERIFY_FAILED naming
 * what changed.
 *
 * Verifying needs only the admin public key, which the store verified against the key the user's
 * own slot pins (store.ts) and registers here for the open connection.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, canonicalJson, preparedOnce, type ReadonlyDb } from '../kernel';
import { ed25519PublicOf, ed25519Sign, ed25519Verify } from './crypto';

/** Signs with the admin key; made from a session's keyring by `adminSigner`. */
export interface Signer {
  readonly publicKey: string;
  sign(message: Buffer): string;
}

export function adminSigner(seed: Buffer): Signer {
  const key = Buffer.from(seed);
  return { publicKey: ed25519PublicOf(key), sign: (message) => ed25519Sign(key, message) };
}

/** Rows of one scope: primary key (as text) -> the values the seal covers. */
export type SealRows = ReadonlyMap<string, unknown>;

interface Verifier {
  /** null: a store made before the admin key, not sealed yet (privileged operations are refused). */
  publicKey: string | null;
  /**
   * Seals already checked under this key, as signature and manifest together (a seal is re-read
   * before every use): a known signature beside another manifest is verified again.
   */
  verified: Set<string>;
}

/** The verified admin key of each open connection (set by the Store that verified it; dies with it). */
const verifiers = new WeakMap<object, Verifier>();

export function registerAdminKey(db: ReadonlyDb, publicKey: string | null): void {
  verifiers.set(db, { publicKey, verified: new Set() });
}

/** Whether this connection's store is sealed (has an admin key). Unregistered (a bare test database): false. */
export function isSealed(db: ReadonlyDb): boolean {
  return verifiers.get(db)?.publicKey != null;
}

const MESSAGE = (manifest: string) => Buffer.from(`airgap-runner/authz-seal/v1\n${manifest}`, 'utf8');

function manifestOf(scope: string, rows: SealRows): string {
  const digests: Record<string, string> = {};
  for (const [key, row] of rows) digests[key] = createHash('sha256').update(canonicalJson(row)).digest('hex');
  return canonicalJson({ v: 1, scope, rows: digests });
}

/** Signs a scope's current rows (inside the transaction of the change). */
export function writeSeal(db: Database, scope: string, rows: SealRows, signer: Signer, now: string): void {
  const manifest = manifestOf(scope, rows);
  db.prepare(
    'INSERT INTO authz_seals(scope, manifest, signature, signed_at) VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET manifest = excluded.manifest, signature = excluded.signature, signed_at = excluded.signed_at',
  ).run(scope, manifest, signer.sign(MESSAGE(manifest)), now);
}

const ADVICE =
  'Nothing was used. Someone changed the store file outside the app without the admin key: an admin should find out who had the files, then restore a backup, or redo the change in the app.';

function tampered(what: string, detail: string): ApiError {
  return new ApiError('VERIFY_FAILED', `Tampering detected: ${what} ${detail}. ${ADVICE}`);
}

/** Throws VERIFY_FAILED naming what changed unless `rows` are exactly what an admin sealed. */
export function checkSeal(db: ReadonlyDb, scope: string, what: string, rows: SealRows): void {
  const verifier = verifiers.get(db);
  if (!verifier?.publicKey) return;
  const stored = preparedOnce(db, 'SELECT manifest, signature FROM authz_seals WHERE scope = ?').get(scope) as
    { manifest: string; signature: string } | undefined;
  if (!stored) throw tampered(what, 'has no admin seal (it was removed)');
  const seal = `${stored.signature}\n${stored.manifest}`;
  if (!verifier.verified.has(seal)) {
    if (!ed25519Verify(verifier.publicKey, MESSAGE(stored.manifest), stored.signature)) {
      throw tampered(what, 'has an admin seal that does not verify with the admin key (the seal was altered)');
    }
    verifier.verified.add(seal);
  }
  const actual = manifestOf(scope, rows);
  if (actual === stored.manifest) return;
  const sealed = JSON.parse(stored.manifest) as { scope: string; rows: Record<string, string> };
  if (sealed.scope !== scope) throw tampered(what, `carries the seal of ${sealed.scope}`);
  const now = (JSON.parse(actual) as { rows: Record<string, string> }).rows;
  const changed = Object.keys(now).filter((k) => k in sealed.rows && sealed.rows[k] !== now[k]);
  const added = Object.keys(now).filter((k) => !(k in sealed.rows));
  const removed = Object.keys(sealed.rows).filter((k) => !(k in now));
  const parts = [
    changed.length ? `changed: ${changed.slice(0, 5).join(', ')}` : '',
    added.length ? `added: ${added.slice(0, 5).join(', ')}` : '',
    removed.length ? `removed: ${removed.slice(0, 5).join(', ')}` : '',
  ].filter(Boolean);
  throw tampered(what, `differs from what an admin sealed (${parts.join('; ')})`);
}
