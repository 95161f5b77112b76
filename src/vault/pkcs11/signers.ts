/**
 * What a token key signs for us: SSH certificates (ecdsa-sha2-nistp256, the signature as two mpints)
 * and X.509/CMS (the DER ECDSA-Sig-Value). Both hash with SHA-256 here and send only the digest.
 */
import { createHash } from 'node:crypto';
import { ECDSA_P256, mpint, sshString, type SshSigner } from '../ssh-ca/format';
import type { TokenKey } from './token';

export function ecdsaSshBlob(point: Buffer): Buffer {
  return Buffer.concat([sshString(ECDSA_P256), sshString('nistp256'), sshString(point)]);
}

export function tokenSshSigner(key: TokenKey): SshSigner & { destroy(): void } {
  return {
    publicBlob: ecdsaSshBlob(key.point),
    sign: (data) => {
      const rs = key.signDigest(createHash('sha256').update(data).digest());
      return Buffer.concat([sshString(ECDSA_P256), sshString(Buffer.concat([mpint(rs.subarray(0, 32)), mpint(rs.subarray(32))]))]);
    },
    destroy: () => key.close(),
  };
}

function derInteger(v: Buffer): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let b = v.subarray(i);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

/** ECDSA-Sig-Value DER over SHA-256 of `data`, signed on the token. */
export function tokenDerSignature(key: TokenKey, data: Buffer): Buffer {
  const rs = key.signDigest(createHash('sha256').update(data).digest());
  const body = Buffer.concat([derInteger(rs.subarray(0, 32)), derInteger(rs.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** SubjectPublicKeyInfo DER of a P-256 point (id-ecPublicKey, prime256v1). */
export function p256Spki(point: Buffer): Buffer {
  const prefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
  return Buffer.concat([prefix, point]);
}
