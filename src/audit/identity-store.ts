/**
 * The workstation's audit signing identity inside the store: the certificate in clear (inside the
 * encrypted database), the private key sealed (AES-256-GCM) under the audit key, which only
 * auditors' and admins' keyslots hold (THREAT_MODEL.md).
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { aesGcmDecrypt, aesGcmEncrypt, type Sealed, type Keyring } from '../store';
import { describeIdentity, generateIdentity, type SigningIdentity } from './identity';

const AAD = 'airgap-runner/audit-identity/v1';

interface Row {
  id: number;
  cert_pem: string;
  chain_pem: string;
  key_sealed: string;
  fingerprint: string;
  created_at: string;
  token_json: string | null;
}

function needAuditKey(keyring: Pick<Keyring, 'audit'>): Buffer {
  if (!keyring.audit) throw new ApiError('FORBIDDEN', 'Your roles do not hold the audit key; an auditor or admin must do this.');
  return keyring.audit;
}

function activeRow(db: ReadonlyDb): Row | undefined {
  return db.prepare('SELECT * FROM audit_identity WHERE active = 1 ORDER BY id DESC LIMIT 1').get() as Row | undefined;
}

/** Where a token identity's key is (module path, token label, key label); the PIN is never stored. */
export interface IdentityToken {
  module: string;
  token: string;
  keyLabel: string;
}

/** Stores a new active identity whose key stays on a token. */
export function saveTokenIdentity(
  db: Database,
  identity: { certPem: string; fingerprint: string },
  token: IdentityToken,
  now: string,
): void {
  db.prepare('UPDATE audit_identity SET active = 0 WHERE active = 1').run();
  db.prepare(
    "INSERT INTO audit_identity (cert_pem, chain_pem, key_sealed, fingerprint, created_at, active, token_json) VALUES (?, '[]', '', ?, ?, 1, ?)",
  ).run(identity.certPem, identity.fingerprint, now, JSON.stringify(token));
}

/** The token of the active identity, or null when its key is sealed in the store. */
export function identityToken(db: ReadonlyDb): IdentityToken | null {
  const row = activeRow(db);
  return row?.token_json ? (JSON.parse(row.token_json) as IdentityToken) : null;
}

/** Stores a new active identity; the previous one is kept inactive (old exports name it). */
export function saveIdentity(db: Database, identity: SigningIdentity, keyring: Pick<Keyring, 'audit'>, now: string): void {
  const sealed = aesGcmEncrypt(needAuditKey(keyring), Buffer.from(identity.keyPem, 'utf8'), AAD);
  db.prepare('UPDATE audit_identity SET active = 0 WHERE active = 1').run();
  db.prepare('INSERT INTO audit_identity (cert_pem, chain_pem, key_sealed, fingerprint, created_at, active) VALUES (?, ?, ?, ?, ?, 1)').run(
    identity.certPem,
    JSON.stringify(identity.chainPem),
    JSON.stringify(sealed),
    identity.fingerprint,
    now,
  );
}

export function hasIdentity(db: ReadonlyDb): boolean {
  return activeRow(db) !== undefined;
}

/** The certificate only: anyone signed in may see who signs this workstation's exports. */
export function identityCertificate(db: ReadonlyDb) {
  const row = activeRow(db);
  if (!row)
    throw new ApiError(
      'NOT_FOUND',
      'This workstation has no audit signing identity yet. An admin creates one on the Signing identity screen or with the command line.',
    );
  return {
    certPem: row.cert_pem,
    chainPem: JSON.parse(row.chain_pem) as string[],
    createdAt: row.created_at,
    ...describeIdentity(row.cert_pem),
  };
}

/** The identity with its private key, for signing. Needs the audit key. */
export function loadIdentity(
  db: ReadonlyDb,
  keyring: Pick<Keyring, 'audit'>,
  openToken?: (token: IdentityToken) => (data: Buffer) => Buffer,
): SigningIdentity {
  const row = activeRow(db);
  if (!row)
    throw new ApiError(
      'NOT_FOUND',
      'This workstation has no audit signing identity yet. An admin creates one on the Signing identity screen or with the command line.',
    );
  if (row.token_json) {
    const token = JSON.parse(row.token_json) as IdentityToken;
    if (!openToken)
      throw new ApiError('INVALID_INPUT', `The audit signing key is on the token "${token.token}": give its PIN to sign with it.`);
    needAuditKey(keyring);
    return { certPem: row.cert_pem, keyPem: '', fingerprint: row.fingerprint, chainPem: [], sign: openToken(token) };
  }
  const key = aesGcmDecrypt(needAuditKey(keyring), JSON.parse(row.key_sealed) as Sealed, AAD);
  if (!key)
    throw new ApiError('VERIFY_FAILED', 'The audit signing key does not open with your audit key. Ask an admin to re-grant your roles.');
  return {
    certPem: row.cert_pem,
    keyPem: key.toString('utf8'),
    fingerprint: row.fingerprint,
    chainPem: JSON.parse(row.chain_pem) as string[],
  };
}

/** Rotation hook: re-seals every stored private key under the new audit key. */
export function reencryptIdentity(db: Database, oldKeys: Keyring, newKeys: Keyring): void {
  // A rotation of the vault key alone (a user's own password change) leaves the audit key as it was.
  if (oldKeys.audit === newKeys.audit) return;
  // A token identity has no sealed key to move.
  const rows = db.prepare("SELECT id, key_sealed FROM audit_identity WHERE key_sealed != ''").all() as Array<
    Pick<Row, 'id' | 'key_sealed'>
  >;
  for (const row of rows) {
    const key = aesGcmDecrypt(needAuditKey(oldKeys), JSON.parse(row.key_sealed) as Sealed, AAD);
    if (!key) throw new Error(`audit identity ${row.id} does not open with the current audit key`);
    db.prepare('UPDATE audit_identity SET key_sealed = ? WHERE id = ?').run(
      JSON.stringify(aesGcmEncrypt(needAuditKey(newKeys), key, AAD)),
      row.id,
    );
    key.fill(0);
  }
}

/** Setup: a self-signed EC P-256 identity, unless one exists. Replace it later if the site wants RSA or its CA's. */
export async function ensureIdentity(db: Database, workstationId: string, keyring: Pick<Keyring, 'audit'>, now: Date): Promise<void> {
  if (hasIdentity(db)) return;
  const identity = await generateIdentity({ kind: 'ec', commonName: `Airgap Runner workstation ${workstationId}`, workstationId, now });
  db.transaction(() => saveIdentity(db, identity, keyring, now.toISOString()))();
}
