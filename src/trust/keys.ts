/**
 * Trust roots: PEM public keys (what `cosign generate-key-pair` writes to cosign.pub). A key is known
 * by its fingerprint, the SHA-256 of its SubjectPublicKeyInfo DER, in hex.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ApiError } from '../kernel';

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

export interface TrustedKey {
  /** SHA-256 of the SPKI DER, lower-case hex (64 characters). */
  readonly fingerprint: string;
  readonly algorithm: KeyAlgorithm;
  /** The key re-encoded as a canonical SPKI PEM. */
  readonly pem: string;
  readonly keyObject: KeyObject;
}

const MAX_PEM_BYTES = 16 * 1024;
const MIN_RSA_BITS = 2048;
const PEM_BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function invalid(message: string): ApiError {
  return new ApiError('INVALID_INPUT', message);
}

function algorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
      if (details.namedCurve === 'secp384r1') return 'ecdsa-p384';
      if (details.namedCurve === 'secp521r1') return 'ecdsa-p521';
      throw invalid(`The key uses the curve ${details.namedCurve ?? 'unknown'}. Use an ECDSA P-256, P-384 or P-521 key.`);
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw invalid(`The RSA key has ${details.modulusLength ?? 0} bits. Use an RSA key of at least ${MIN_RSA_BITS} bits.`);
      }
      return 'rsa';
    case 'ed25519':
      return 'ed25519';
    default:
      throw invalid(
        `Keys of type ${key.asymmetricKeyType ?? 'unknown'} are not supported. Use ECDSA P-256 (cosign's default), RSA or Ed25519.`,
      );
  }
}

/** SHA-256 of the key's SPKI DER, hex. Accepts a KeyObject or a PEM public key. */
export function keyFingerprint(key: KeyObject | string): string {
  const object = typeof key === 'string' ? createPublicKey(key) : key;
  const der = object.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/**
 * The hint cosign 3 and sigstore-go write into a bundle's `verificationMaterial.publicKey.hint`:
 * base64 of the same SHA-256. Only a hint: verification never trusts it, it just orders the keys tried.
 */
export function sigstoreHintForFingerprint(fingerprint: string): string {
  return Buffer.from(fingerprint, 'hex').toString('base64');
}

/**
 * Parses one PEM public key (a "PUBLIC KEY" block, as cosign.pub). Refuses private keys,
 * several keys in one file, weak RSA and unsupported curves with INVALID_INPUT.
 */
export function parseTrustedKeyPem(pem: string | Buffer): TrustedKey {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  if (Buffer.byteLength(text) > MAX_PEM_BYTES) {
    throw invalid(`The key file is larger than ${MAX_PEM_BYTES / 1024} KiB. Give a single PEM public key such as cosign.pub.`);
  }
  const blocks = [...text.matchAll(PEM_BLOCK_RE)].map((m) => m[1] ?? '');
  if (blocks.some((label) => label.includes('PRIVATE KEY'))) {
    throw invalid('This file holds a private key. Give the public key instead (cosign.pub), and keep the private key secret.');
  }
  const publicBlocks = blocks.filter((label) => label === 'PUBLIC KEY');
  if (publicBlocks.length !== 1 || blocks.length !== 1) {
    throw invalid(
      `Expected exactly one "PUBLIC KEY" PEM block, found ${blocks.length === 0 ? 'none' : blocks.join(', ')}. Give a file such as cosign.pub.`,
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new ApiError('INVALID_INPUT', 'The PEM public key could not be read. Check that the file is an unmodified cosign.pub.', {
      cause: error,
    });
  }
  const algorithm = algorithmOf(keyObject);
  return {
    fingerprint: keyFingerprint(keyObject),
    algorithm,
    pem: keyObject.export({ type: 'spki', format: 'pem' }).toString(),
    keyObject,
  };
}

/** The digest cosign pairs with each key type for signatures over a payload. */
function hashFor(algorithm: KeyAlgorithm): string | null {
  switch (algorithm) {
    case 'ecdsa-p256':
    case 'rsa':
      return 'sha256';
    case 'ecdsa-p384':
      return 'sha384';
    case 'ecdsa-p521':
      return 'sha512';
    case 'ed25519':
      return null;
  }
}

/** Checks a raw signature (ECDSA as ASN.1 DER, RSA PKCS#1 v1.5, Ed25519) over `data`. Never throws. */
export function verifyRawSignature(key: TrustedKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(hashFor(key.algorithm), data, key.keyObject, signature);
  } catch {
    return false;
  }
}

/** Returns the first key whose signature over `data` verifies, or undefined. */
export function findSigningKey(keys: readonly TrustedKey[], data: Uint8Array, signature: Uint8Array): TrustedKey | undefined {
  return keys.find((key) => verifyRawSignature(key, data, signature));
}
