/**
 * The site's SSH certificate authorities (docs/credentials.md). One is active: it signs every new
 * per-run certificate; a new or imported CA retires the previous one (which stays listed, for the
 * KRL and for sshd's TrustedUserCAKeys during the overlap). A vault CA's ed25519 seed is sealed under
 * the vault key (bound to the CA's name); a token CA names the PKCS#11 module, token and key label,
 * and its key never leaves the token. The rows (not the sealed seed) are sealed with the admin key:
 * which key signs, and which library the workstation loads, is authorization state.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../../kernel';
import { aesGcmDecrypt, aesGcmEncrypt, checkSeal, writeSeal, type Sealed, type Signer } from '../../store';
import {
  ED25519,
  blobType,
  ed25519PublicBlob,
  fingerprint,
  parsePublicKeyLine,
  publicKeyLine,
  readOpensshPrivateKey,
  sshString,
  type SshSigner,
} from './format';

const SCOPE = 'vault.sshCas';

export const CA_NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** Where a token CA's key is: the PKCS#11 module (a library path), the token's label, the key's label. */
export interface TokenRef {
  module: string;
  token: string;
  keyLabel: string;
}

export interface SshCaInfo {
  name: string;
  keyType: string;
  /** The line for sshd's TrustedUserCAKeys. */
  publicKey: string;
  fingerprint: string;
  storage: 'vault' | 'pkcs11';
  token: TokenRef | null;
  state: 'active' | 'retired';
  createdAt: string;
  createdBy: string;
}

interface Row {
  name: string;
  key_type: string;
  public_key: string;
  storage: string;
  sealed: string | null;
  token_json: string | null;
  state: string;
  created_at: string;
  created_by: string;
}

const sealRows = (rows: Row[]) => new Map(rows.map(({ sealed: _sealed, ...rest }) => [rest.name, rest]));

export function sealSshCas(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM ssh_cas').all() as Row[]), signer, new Date().toISOString());
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519Key(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key of an ed25519 KeyObject (the end of its SPKI DER). */
export function ed25519Raw(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).subarray(-32);
}

/** Signs with an ed25519 seed held in memory (a vault CA). */
export function seedSigner(seed: Buffer): SshSigner & { destroy(): void } {
  const key = ed25519Key(seed);
  const publicBlob = ed25519PublicBlob(ed25519Raw(key));
  seed.fill(0);
  return {
    publicBlob,
    sign: (data) => Buffer.concat([sshString(ED25519), sshString(cryptoSign(null, data, key))]),
    destroy: () => undefined,
  };
}

const aad = (name: string) => `airgap-runner/ssh-ca/v1/${name}`;

function info(r: Row): SshCaInfo {
  return {
    name: r.name,
    keyType: r.key_type,
    publicKey: r.public_key,
    fingerprint: fingerprint(parsePublicKeyLine(r.public_key)),
    storage: r.storage === 'pkcs11' ? 'pkcs11' : 'vault',
    token: r.token_json ? (JSON.parse(r.token_json) as TokenRef) : null,
    state: r.state === 'active' ? 'active' : 'retired',
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export class SshCas<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  private rows(): Row[] {
    const rows = this.db.prepare('SELECT * FROM ssh_cas ORDER BY created_at, name').all() as Row[];
    checkSeal(this.db, SCOPE, 'the SSH certificate authorities', sealRows(rows));
    return rows;
  }

  list(): SshCaInfo[] {
    return this.rows().map(info);
  }

  active(): SshCaInfo | null {
    const r = this.rows().find((row) => row.state === 'active');
    return r ? info(r) : null;
  }

  /** A new ed25519 CA whose key is made here and sealed in the vault; it becomes the active CA. */
  create(this: SshCas<Database>, vaultKey: Buffer, name: string, by: string, now: string, signer: Signer): SshCaInfo {
    const pair = generateKeyPairSync('ed25519');
    const seed = pair.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
    try {
      return this.addVaultCa(vaultKey, name, seed, by, now, signer);
    } finally {
      seed.fill(0);
    }
  }

  /** Imports an unencrypted ed25519 OpenSSH private key (`ssh-keygen -t ed25519 -N ''`); it becomes the active CA. */
  importKey(this: SshCas<Database>, vaultKey: Buffer, name: string, pem: string, by: string, now: string, signer: Signer): SshCaInfo {
    let parsed: ReturnType<typeof readOpensshPrivateKey>;
    try {
      parsed = readOpensshPrivateKey(pem);
    } catch (error) {
      throw new ApiError(
        'INVALID_INPUT',
        `The CA key was not imported: ${(error as Error).message}. Give an ed25519 private key in the OpenSSH format without a passphrase, or keep the key on a hardware token.`,
      );
    }
    try {
      const derived = ed25519Raw(ed25519Key(parsed.seed));
      if (!derived.equals(parsed.publicKey))
        throw new ApiError('INVALID_INPUT', 'The CA key file is inconsistent (its public key is not that of its private key).');
      return this.addVaultCa(vaultKey, name, parsed.seed, by, now, signer);
    } finally {
      parsed.seed.fill(0);
    }
  }

  private addVaultCa(
    this: SshCas<Database>,
    vaultKey: Buffer,
    name: string,
    seed: Buffer,
    by: string,
    now: string,
    signer: Signer,
  ): SshCaInfo {
    const blob = ed25519PublicBlob(ed25519Raw(ed25519Key(seed)));
    const sealed = JSON.stringify(aesGcmEncrypt(vaultKey, seed, aad(name)));
    return this.insert({ name, keyType: ED25519, blob, storage: 'vault', sealed, token: null, by, now }, signer);
  }

  /** A CA whose key stays on a PKCS#11 token; `publicBlob` was read from the token. */
  addToken(this: SshCas<Database>, name: string, token: TokenRef, publicBlob: Buffer, by: string, now: string, signer: Signer): SshCaInfo {
    return this.insert({ name, keyType: blobType(publicBlob), blob: publicBlob, storage: 'pkcs11', sealed: null, token, by, now }, signer);
  }

  private insert(
    this: SshCas<Database>,
    ca: {
      name: string;
      keyType: string;
      blob: Buffer;
      storage: 'vault' | 'pkcs11';
      sealed: string | null;
      token: TokenRef | null;
      by: string;
      now: string;
    },
    signer: Signer,
  ): SshCaInfo {
    checkCaName(ca.name);
    const existing = this.rows();
    if (existing.some((r) => r.name === ca.name))
      throw new ApiError('CONFLICT', `An SSH CA named "${ca.name}" already exists. Pick another name.`);
    this.db.prepare("UPDATE ssh_cas SET state = 'retired' WHERE state = 'active'").run();
    this.db
      .prepare(
        "INSERT INTO ssh_cas(name, key_type, public_key, storage, sealed, token_json, state, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
      )
      .run(
        ca.name,
        ca.keyType,
        publicKeyLine(ca.blob, `airgap-runner-ca:${ca.name}`),
        ca.storage,
        ca.sealed,
        ca.token ? JSON.stringify(ca.token) : null,
        ca.now,
        ca.by,
      );
    sealSshCas(this.db, signer);
    return this.active()!;
  }

  /** The vault CA's signer; its seed opens with the caller's vault key. */
  openVaultSigner(vaultKey: Buffer, name: string): SshSigner & { destroy(): void } {
    const row = this.rows().find((r) => r.name === name);
    if (!row?.sealed) throw new ApiError('NOT_FOUND', `The SSH CA "${name}" has no key in the vault.`);
    const seed = aesGcmDecrypt(vaultKey, JSON.parse(row.sealed) as Sealed, aad(name));
    if (!seed)
      throw new ApiError(
        'VERIFY_FAILED',
        `The SSH CA key "${name}" does not open with your vault key (altered, or sealed under an older key).`,
      );
    const signer = seedSigner(seed);
    if (!signer.publicBlob.equals(parsePublicKeyLine(row.public_key)))
      throw new ApiError('VERIFY_FAILED', `The SSH CA key "${name}" does not match its recorded public key; the store was altered.`);
    return signer;
  }

  /** Rotation hook body: the sealed seeds move from the old vault key to the new one. */
  reseal(this: SshCas<Database>, oldKey: Buffer, newKey: Buffer): void {
    const rows = this.db.prepare('SELECT name, sealed FROM ssh_cas WHERE sealed IS NOT NULL').all() as Array<{
      name: string;
      sealed: string;
    }>;
    for (const r of rows) {
      const seed = aesGcmDecrypt(oldKey, JSON.parse(r.sealed) as Sealed, aad(r.name));
      if (!seed) throw new Error(`SSH CA ${r.name} does not open with the current vault key; rotation stopped`);
      this.db.prepare('UPDATE ssh_cas SET sealed = ? WHERE name = ?').run(JSON.stringify(aesGcmEncrypt(newKey, seed, aad(r.name))), r.name);
      seed.fill(0);
    }
  }
}

export function checkCaName(name: string): void {
  if (!CA_NAME_RE.test(name))
    throw new ApiError('INVALID_INPUT', `"${name}" cannot be a CA name: use lower-case letters, digits, "_", "." and "-".`);
}
