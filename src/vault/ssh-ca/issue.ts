/**
 * Per-run SSH certificates (docs/credentials.md). At submission: the principals are checked against
 * the admin's grants, a fresh ed25519 key pair is made for each credential the task declares, and the
 * active CA's signer is opened (the vault seed with the starter's vault key, or a token session
 * opened with the PIN given at start). When the run starts and its deadline is known, each public key
 * is signed: validity from a minute before now (clock skew on the target) to the deadline plus a few
 * seconds, only the allowed principals, a random serial, no extensions, the admin's critical options.
 * The private key and certificate travel like the task's secrets (tmpfs, overwritten and removed at
 * the end); every issued certificate is recorded here for the run record, the issued list and the KRL.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../../kernel';
import { keyRevocationList, opensshPrivateKey, parsePublicKeyLine, userCertificate, type SshSigner } from './format';
import { ed25519Raw, SshCas, type SshCaInfo } from './cas';
import { allowedPrincipals } from './grants';

/** Seconds before now a certificate is valid from (the target's clock may be behind ours). */
export const VALID_BEFORE_NOW_S = 60;
/** Seconds after the run's deadline a certificate stays valid (the task's last connection closing). */
export const VALID_AFTER_DEADLINE_S = 5;

/** A credential as the task declares it in codebundle.yaml. */
export interface SshCredentialDecl {
  type: 'ssh-certificate';
  name: string;
  principals: string[];
}

export interface IssuedCertificate {
  serial: string;
  ca: string;
  runId: string;
  credential: string;
  keyId: string;
  principals: string[];
  validAfter: string;
  validBefore: string;
  keySha256: string;
  critical: Record<string, string>;
  issuedAt: string;
}

/** Opens the signer of a token CA (PIN asked at use); given by the composition root. */
export type TokenSignerOpener = (ca: SshCaInfo) => SshSigner & { destroy(): void };

interface Pending {
  decl: SshCredentialDecl;
  principals: string[];
  critical: Record<string, string>;
  seed: Buffer;
  publicKey: Buffer;
  privateFile: Buffer;
}

/** The checks that open nothing: which principals each credential gets (POLICY_DENIED when none). */
export function checkSshCredentials(
  db: ReadonlyDb,
  bundle: string,
  tags: readonly string[],
  decls: readonly SshCredentialDecl[],
): Array<{ decl: SshCredentialDecl; principals: string[]; refused: string[]; critical: Record<string, string>; ca: SshCaInfo }> {
  if (decls.length === 0) return [];
  const ca = new SshCas(db).active();
  if (!ca) {
    throw new ApiError(
      'POLICY_DENIED',
      'The task needs an SSH certificate, but this workstation has no SSH certificate authority. An admin creates one on the SSH certificate authority screen or with the command line (docs/credentials.md).',
    );
  }
  return decls.map((decl) => {
    const allowed = allowedPrincipals(db, bundle, tags, decl.principals);
    if (allowed.principals.length === 0) {
      throw new ApiError(
        'POLICY_DENIED',
        `The task's SSH credential "${decl.name}" asks for ${decl.principals.join(', ')}, none of which an admin allowed for ${bundle}. An admin can allow them for this bundle on the SSH certificate authority screen or with the command line.`,
      );
    }
    return { decl, ...allowed, ca };
  });
}

export class SshRunCredentials {
  private constructor(
    private readonly ca: SshCaInfo,
    private signer: (SshSigner & { destroy(): void }) | null,
    private readonly pending: Pending[],
  ) {}

  /** Opens the CA signer and makes the key pairs; null when the task declares no SSH credential. */
  static prepare(
    db: ReadonlyDb,
    input: {
      bundle: string;
      tags: readonly string[];
      decls: readonly SshCredentialDecl[];
      vaultKey: Buffer | undefined;
      openToken?: TokenSignerOpener;
    },
  ): SshRunCredentials | null {
    const checked = checkSshCredentials(db, input.bundle, input.tags, input.decls);
    if (checked.length === 0) return null;
    const ca = checked[0]!.ca;
    let signer: SshSigner & { destroy(): void };
    if (ca.storage === 'vault') {
      if (!input.vaultKey) throw new ApiError('FORBIDDEN', 'Your session holds no vault key, which opens the SSH CA key.');
      signer = new SshCas(db).openVaultSigner(input.vaultKey, ca.name);
    } else {
      if (!input.openToken)
        throw new ApiError('INVALID_INPUT', `The SSH CA "${ca.name}" is on a PKCS#11 token: give its PIN when you start the run.`);
      signer = input.openToken(ca);
      if (!signer.publicBlob.equals(parsePublicKeyLine(ca.publicKey))) {
        signer.destroy();
        throw new ApiError('VERIFY_FAILED', `The key on the token is not the SSH CA "${ca.name}" recorded here.`);
      }
    }
    const pending = checked.map(({ decl, principals, critical }) => {
      const pair = generateKeyPairSync('ed25519');
      const seed = pair.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
      const publicKey = ed25519Raw(pair.privateKey);
      return { decl, principals, critical, seed, publicKey, privateFile: opensshPrivateKey(seed, publicKey, `airgap-run:${decl.name}`) };
    });
    return new SshRunCredentials(ca, signer, pending);
  }

  /** What the run's log masker hides: each private key file, whole and line by line. */
  maskValues(): string[] {
    return this.pending.flatMap((p) => {
      const text = p.privateFile.toString('utf8');
      return [text, ...text.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))];
    });
  }

  /**
   * Signs each key for the run (validity up to `deadline`), records the certificates, and returns the
   * files to mount (`NAME`: the private key, `NAME-cert.pub`: the certificate) and what was issued.
   * Call inside the transaction that writes the audit event.
   */
  issue(db: Database, runId: string, now: Date, deadline: Date): { files: Map<string, Buffer>; issued: IssuedCertificate[] } {
    if (!this.signer) throw new Error('SSH credentials already issued or destroyed');
    const files = new Map<string, Buffer>();
    const issued: IssuedCertificate[] = [];
    const insert = db.prepare(
      'INSERT INTO ssh_certificates(serial, ca, run_id, credential, key_id, principals, valid_after, valid_before, key_sha256, critical, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const after = Math.floor(now.getTime() / 1000) - VALID_BEFORE_NOW_S;
    const before = Math.ceil(deadline.getTime() / 1000) + VALID_AFTER_DEADLINE_S;
    for (const p of this.pending) {
      const serial = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
      const keyId = `airgap-run:${runId}:${p.decl.name}`;
      const cert = userCertificate(
        { userKey: p.publicKey, serial, keyId, principals: p.principals, validAfter: after, validBefore: before, critical: p.critical },
        this.signer,
      );
      const record: IssuedCertificate = {
        serial: serial.toString(),
        ca: this.ca.name,
        runId,
        credential: p.decl.name,
        keyId,
        principals: p.principals,
        validAfter: new Date(after * 1000).toISOString(),
        validBefore: new Date(before * 1000).toISOString(),
        keySha256: createHash('sha256').update(p.publicKey).digest('hex'),
        critical: p.critical,
        issuedAt: now.toISOString(),
      };
      insert.run(
        record.serial,
        record.ca,
        runId,
        record.credential,
        keyId,
        JSON.stringify(record.principals),
        record.validAfter,
        record.validBefore,
        record.keySha256,
        JSON.stringify(record.critical),
        record.issuedAt,
      );
      files.set(p.decl.name, Buffer.from(p.privateFile));
      files.set(`${p.decl.name}-cert.pub`, Buffer.from(`${cert.line}\n`));
      issued.push(record);
    }
    this.destroy();
    return { files, issued };
  }

  /** Wipes the key pairs and closes the CA signer (a token session logs out). Safe to call twice. */
  destroy(): void {
    for (const p of this.pending) {
      p.seed.fill(0);
      p.privateFile.fill(0);
    }
    this.signer?.destroy();
    this.signer = null;
  }
}

interface CertRow {
  serial: string;
  ca: string;
  run_id: string;
  credential: string;
  key_id: string;
  principals: string;
  valid_after: string;
  valid_before: string;
  key_sha256: string;
  critical: string;
  issued_at: string;
}

function fromRow(r: CertRow): IssuedCertificate {
  return {
    serial: r.serial,
    ca: r.ca,
    runId: r.run_id,
    credential: r.credential,
    keyId: r.key_id,
    principals: JSON.parse(r.principals) as string[],
    validAfter: r.valid_after,
    validBefore: r.valid_before,
    keySha256: r.key_sha256,
    critical: JSON.parse(r.critical) as Record<string, string>,
    issuedAt: r.issued_at,
  };
}

/** Certificates issued, newest first; for one run when `runId` is given. */
export function issuedCertificates(db: ReadonlyDb, filter: { runId?: string; limit?: number } = {}): IssuedCertificate[] {
  const rows = filter.runId
    ? (db.prepare('SELECT * FROM ssh_certificates WHERE run_id = ? ORDER BY issued_at DESC, serial').all(filter.runId) as CertRow[])
    : (db.prepare('SELECT * FROM ssh_certificates ORDER BY issued_at DESC, serial LIMIT ?').all(filter.limit ?? 500) as CertRow[]);
  return rows.map(fromRow);
}

/**
 * A KRL revoking every certificate issued here (or only those of the given serials), for sshd's
 * RevokedKeys. Certificates expire on their own within minutes of their run's end; the KRL is for a
 * site that wants a CA's certificates dead now (a leak, a compromised workstation).
 */
export function exportKrl(db: ReadonlyDb, now: Date, serials?: readonly string[]): { krl: Buffer; count: number } {
  const cas = new SshCas(db).list();
  const all = db.prepare('SELECT serial, ca FROM ssh_certificates').all() as Array<{ serial: string; ca: string }>;
  const wanted = serials ? new Set(serials) : null;
  if (wanted) {
    const known = new Set(all.map((r) => r.serial));
    const unknown = [...wanted].filter((s) => !known.has(s));
    if (unknown.length > 0)
      throw new ApiError(
        'NOT_FOUND',
        `No certificate with serial ${unknown.join(', ')} was issued here. The list of issued certificates shows their serials.`,
      );
  }
  const chosen = all.filter((r) => !wanted || wanted.has(r.serial));
  const krl = keyRevocationList({
    version: BigInt(Math.floor(now.getTime() / 1000)),
    generatedAt: Math.floor(now.getTime() / 1000),
    comment: 'airgap-runner',
    cas: cas.map((ca) => ({
      caKey: parsePublicKeyLine(ca.publicKey),
      serials: chosen.filter((r) => r.ca === ca.name).map((r) => BigInt(r.serial)),
    })),
  });
  return { krl, count: chosen.length };
}
