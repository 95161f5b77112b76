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
}

function needAuditKey(keyring: Pick<Keyring, 'audit'>): Buffer {
  if (!keyring.audit) throw new ApiError('FORBIDDEN', 'Your roles do not hold the audit key; an auditor or admin must do this.');
  return keyring.audit;
}

function activeRow(db: ReadonlyDb): Row | undefined {
  return db.prepare('SELECT * FROM audit_identity WHERE active = 1 ORDER BY id DESC LIMIT 1').get() as Row | undefined;
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
      'This workstation has no audit signing identity yet. An admin creates one with "airgap-runner audit identity generate".',
    );
  return {
    certPem: row.cert_pem,
    chainPem: JSON.parse(row.chain_pem) as string[],
    createdAt: row.created_at,
    ...describeIdentity(row.cert_pem),
  };
}

/** The identity with its private key, for signing. Needs the audit key. */
export function loadIdentity(db: ReadonlyDb, keyring: Pick<Keyring, 'audit'>): SigningIdentity {
  const row = activeRow(db);
  if (!row)
    throw new ApiError(
      'NOT_FOUND',
      'This workstation has no audit signing identity yet. An admin creates one with "airgap-runner audit identity generate".',
    );
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
  const rows = db.prepare('SELECT id, key_sealed FROM audit_identity').all() as Array<Pick<Row, 'id' | 'key_sealed'>>;
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
