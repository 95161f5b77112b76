/**
 * Small, audited building blocks for the key hierarchy (THREAT_MODEL.md): AES-256-GCM, scrypt,
 * HKDF, X25519 sealing. Nothing here logs or formats key material.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  scrypt as scryptCb,
  sign as cryptoSign,
  verify as cryptoVerify,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

export const KEY_BYTES = 32;

export interface Sealed {
  iv: string;
  ct: string;
  tag: string;
}

export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function aesGcmEncrypt(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Returns null when the key is wrong or the data was altered (GCM tag check failed). */
export function aesGcmDecrypt(key: Buffer, sealed: Sealed, aad: string): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}

export interface ScryptParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

/** Default cost: N=2^17, r=8, p=1 (about 128 MiB and a few hundred ms): deliberately slow. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 };

export function newScryptParams(cost: { N: number; r: number; p: number } = DEFAULT_SCRYPT): ScryptParams {
  return { name: 'scrypt', ...cost, salt: randomBytes(16).toString('base64') };
}

export function scryptKey(password: string, params: ScryptParams): Promise<Buffer> {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 ** 14 || N > 2 ** 22 || (N & (N - 1)) !== 0 || r < 8 || r > 32 || p < 1 || p > 16) {
    return Promise.reject(new Error('keyslot has out-of-range scrypt parameters'));
  }
  return new Promise((resolve, reject) => {
    scryptCb(
      password.normalize('NFC'),
      Buffer.from(params.salt, 'base64'),
      KEY_BYTES,
      { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 },
      (err, key) => {
        if (err) reject(err);
        else resolve(key);
      },
    );
  });
}

export function hkdf(key: Buffer, salt: Buffer | string, info: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', key, typeof salt === 'string' ? Buffer.from(salt, 'utf8') : salt, Buffer.from(info, 'utf8'), KEY_BYTES),
  );
}

export function hmacHex(key: Buffer, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

export function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

// --- X25519 sealing: anyone with the public key can seal; only the private key opens. ---

export interface KeyPairDer {
  publicKey: string; // SPKI DER, base64
  privateKey: Buffer; // PKCS#8 DER
}

export function newX25519(): KeyPairDer {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }),
  };
}

export interface SealedBox extends Sealed {
  epk: string;
}

function boxKey(shared: Buffer, epk: string, recipient: string, context: string): Buffer {
  return hkdf(shared, Buffer.from(`${epk}|${recipient}`, 'utf8'), `airgap-runner/seal/${context}`);
}

export function sealTo(publicKeyB64: string, plaintext: Buffer, context: string): SealedBox {
  const recipient: KeyObject = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
  const eph = generateKeyPairSync('x25519');
  const epk = eph.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const key = boxKey(shared, epk, publicKeyB64, context);
  return { epk, ...aesGcmEncrypt(key, plaintext, context) };
}

export function openSealed(privateKeyDer: Buffer, publicKeyB64: string, box: SealedBox, context: string): Buffer | null {
  try {
    const privateKey = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' });
    const epk = createPublicKey({ key: Buffer.from(box.epk, 'base64'), format: 'der', type: 'spki' });
    const shared = diffieHellman({ privateKey, publicKey: epk });
    return aesGcmDecrypt(boxKey(shared, box.epk, publicKeyB64, context), box, context);
  } catch {
    return null;
  }
}

// --- Ed25519: the admin key (THREAT_MODEL.md). A 32-byte seed, kept like the other keys. ---

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519Private(seed: Buffer): KeyObject {
  if (seed.length !== KEY_BYTES) throw new Error('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The public half (SPKI DER, base64) of the Ed25519 key made from `seed`. */
export function ed25519PublicOf(seed: Buffer): string {
  return createPublicKey(ed25519Private(seed)).export({ type: 'spki', format: 'der' }).toString('base64');
}

export function ed25519Sign(seed: Buffer, message: Buffer): string {
  return cryptoSign(null, message, ed25519Private(seed)).toString('base64');
}

export function ed25519Verify(publicKeyB64: string, message: Buffer, signatureB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return cryptoVerify(null, message, key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
