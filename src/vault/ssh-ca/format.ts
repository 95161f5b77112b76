/**
 * OpenSSH wire formats, pure over bytes (PROTOCOL.certkeys, PROTOCOL.key, PROTOCOL.krl): user
 * certificates, the unencrypted `openssh-key-v1` private key file ssh(1) reads (it does not read
 * Node's PKCS#8 PEM for ed25519), public key lines, and key revocation lists. Written here rather than
 * by shelling out to ssh-keygen: one code path whether the CA key is in the vault or on a token, no CA
 * key in a file, no PIN through askpass, no ssh-keygen needed on the workstation; the tests use
 * ssh-keygen and a real sshd as independent checks.
 */
import { createHash, randomBytes } from 'node:crypto';

export const CERT_TYPE_USER = 1;
export const ED25519 = 'ssh-ed25519';
export const ED25519_CERT = 'ssh-ed25519-cert-v01@openssh.com';
export const ECDSA_P256 = 'ecdsa-sha2-nistp256';

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function u64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** An SSH `string`: uint32 length, then the bytes. */
export function sshString(value: Buffer | string): Buffer {
  const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([u32(buf.length), buf]);
}

/** An SSH `mpint` of an unsigned big-endian integer. */
export function mpint(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  let v = value.subarray(i);
  if (v.length > 0 && (v[0]! & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
  return sshString(v);
}

/** Reads SSH `string`s and integers from a buffer, refusing anything that runs past its end. */
export class SshReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.off >= this.buf.length;
  }
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new Error('truncated SSH data');
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }
  string(): Buffer {
    const n = this.u32();
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  text(): string {
    return this.string().toString('utf8');
  }
}

/** Critical options or extensions: sorted by name, each value a string inside the data string (empty for flags). */
function optionList(pairs: Readonly<Record<string, string>>): Buffer {
  const names = Object.keys(pairs).sort();
  return sshString(
    Buffer.concat(names.map((n) => Buffer.concat([sshString(n), pairs[n] === '' ? sshString('') : sshString(sshString(pairs[n]!))]))),
  );
}

function readOptions(data: Buffer): Record<string, string> {
  const r = new SshReader(data);
  const out: Record<string, string> = {};
  while (!r.done) {
    const name = r.text();
    const value = r.string();
    out[name] = value.length === 0 ? '' : new SshReader(value).text();
  }
  return out;
}

export function ed25519PublicBlob(raw: Buffer): Buffer {
  return Buffer.concat([sshString(ED25519), sshString(raw)]);
}

/** The algorithm name a public key blob starts with. */
export function blobType(blob: Buffer): string {
  return new SshReader(blob).text();
}

/** `TYPE BASE64 COMMENT`, as in authorized_keys and TrustedUserCAKeys. */
export function publicKeyLine(blob: Buffer, comment: string): string {
  return `${blobType(blob)} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** The blob of a public key line, checked to be a whole key of the type it names. */
export function parsePublicKeyLine(line: string): Buffer {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64) throw new Error('not an OpenSSH public key line');
  const blob = Buffer.from(b64, 'base64');
  if (blobType(blob) !== type) throw new Error('the key line names another type than its key');
  return blob;
}

/** `SHA256:…`, as ssh-keygen -l prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** What signs a certificate: the CA's public key blob, and the signature blob over some data. */
export interface SshSigner {
  readonly publicBlob: Buffer;
  sign(data: Buffer): Buffer;
}

export interface UserCertificateInput {
  /** The 32-byte ed25519 public key of the per-run key pair. */
  userKey: Buffer;
  serial: bigint;
  keyId: string;
  principals: readonly string[];
  /** Seconds since the epoch. */
  validAfter: number;
  validBefore: number;
  critical?: Readonly<Record<string, string>>;
  extensions?: Readonly<Record<string, string>>;
}

/** An OpenSSH user certificate for an ed25519 key, as the `-cert.pub` line. */
export function userCertificate(input: UserCertificateInput, ca: SshSigner): { line: string; blob: Buffer } {
  const body = Buffer.concat([
    sshString(ED25519_CERT),
    sshString(randomBytes(32)),
    sshString(input.userKey),
    u64(input.serial),
    u32(CERT_TYPE_USER),
    sshString(input.keyId),
    sshString(Buffer.concat(input.principals.map((p) => sshString(p)))),
    u64(input.validAfter),
    u64(input.validBefore),
    optionList(input.critical ?? {}),
    optionList(input.extensions ?? {}),
    sshString(''),
    sshString(ca.publicBlob),
  ]);
  const blob = Buffer.concat([body, sshString(ca.sign(body))]);
  return { line: `${ED25519_CERT} ${blob.toString('base64')} ${input.keyId}`, blob };
}

export interface ParsedCertificate {
  type: string;
  publicKey: Buffer;
  serial: bigint;
  certType: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  critical: Record<string, string>;
  extensions: Record<string, string>;
  caKey: Buffer;
  signature: Buffer;
}

/** Reads an ed25519 user certificate (a `-cert.pub` line or its blob); the signature is not checked here. */
export function parseCertificate(lineOrBlob: string | Buffer): ParsedCertificate {
  const blob = typeof lineOrBlob === 'string' ? Buffer.from(lineOrBlob.trim().split(/\s+/)[1] ?? '', 'base64') : lineOrBlob;
  const r = new SshReader(blob);
  const type = r.text();
  if (type !== ED25519_CERT) throw new Error(`not an ed25519 certificate (${type})`);
  r.string(); // nonce
  const publicKey = r.string();
  const serial = r.u64();
  const certType = r.u32();
  const keyId = r.text();
  const principals: string[] = [];
  const pr = new SshReader(r.string());
  while (!pr.done) principals.push(pr.text());
  const validAfter = r.u64();
  const validBefore = r.u64();
  const critical = readOptions(r.string());
  const extensions = readOptions(r.string());
  r.string(); // reserved
  const caKey = r.string();
  const signature = r.string();
  return { type, publicKey, serial, certType, keyId, principals, validAfter, validBefore, critical, extensions, caKey, signature };
}

/** An unencrypted `openssh-key-v1` file for an ed25519 key (seed and public key, 32 bytes each). */
export function opensshPrivateKey(seed: Buffer, publicKey: Buffer, comment: string): Buffer {
  const check = randomBytes(4);
  const secret = Buffer.concat([seed, publicKey]);
  let priv = Buffer.concat([check, check, sshString(ED25519), sshString(publicKey), sshString(secret), sshString(comment)]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    u32(1),
    sshString(ed25519PublicBlob(publicKey)),
    sshString(priv),
  ]);
  const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
  secret.fill(0);
  priv.fill(0);
  const out = Buffer.from(`-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`, 'utf8');
  body.fill(0);
  return out;
}

/** Reads the ed25519 seed out of an unencrypted `openssh-key-v1` file (for importing a CA key). */
export function readOpensshPrivateKey(pem: string): { seed: Buffer; publicKey: Buffer; comment: string } {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(pem);
  if (!m) throw new Error('not an OpenSSH private key file');
  const body = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (body.subarray(0, magic.length).toString('latin1') !== magic) throw new Error('not an openssh-key-v1 file');
  const r = new SshReader(body.subarray(magic.length));
  const cipher = r.text();
  const kdf = r.text();
  r.string();
  if (cipher !== 'none' || kdf !== 'none') throw new Error('the key file is passphrase-protected');
  if (r.u32() !== 1) throw new Error('the key file holds more than one key');
  r.string();
  const p = new SshReader(r.string());
  if (p.u32() !== p.u32()) throw new Error('the key file is damaged (check bytes differ)');
  const type = p.text();
  if (type !== ED25519) throw new Error(`only ed25519 CA keys can be imported (this one is ${type})`);
  const publicKey = Buffer.from(p.string());
  const secret = p.string();
  const comment = p.text();
  if (publicKey.length !== 32 || secret.length !== 64) throw new Error('the ed25519 key has the wrong length');
  return { seed: Buffer.from(secret.subarray(0, 32)), publicKey, comment };
}

const KRL_MAGIC = Buffer.from('SSHKRL\n\0', 'latin1');
const KRL_SECTION_CERTIFICATES = 1;
const KRL_SECTION_CERT_SERIAL_LIST = 0x20;

/**
 * A binary KRL (as `ssh-keygen -k` writes it, sshd's RevokedKeys reads it) revoking certificates by
 * serial, one section per CA.
 */
export function keyRevocationList(input: {
  version: bigint;
  generatedAt: number;
  comment: string;
  cas: ReadonlyArray<{ caKey: Buffer; serials: readonly bigint[] }>;
}): Buffer {
  const sections = input.cas
    .filter((ca) => ca.serials.length > 0)
    .map((ca) => {
      const serials = [...new Set(ca.serials)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const list = Buffer.concat([Buffer.from([KRL_SECTION_CERT_SERIAL_LIST]), sshString(Buffer.concat(serials.map((s) => u64(s))))]);
      const data = Buffer.concat([sshString(ca.caKey), sshString(''), list]);
      return Buffer.concat([Buffer.from([KRL_SECTION_CERTIFICATES]), sshString(data)]);
    });
  return Buffer.concat([
    KRL_MAGIC,
    u32(1),
    u64(input.version),
    u64(input.generatedAt),
    u64(0),
    sshString(''),
    sshString(input.comment),
    ...sections,
  ]);
}
