/**
 * Detached signatures for `docker save` archives, which carry none: the files that
 * `cosign sign --key … --output-signature SIG --output-payload PAYLOAD` (or `cosign sign-blob`)
 * writes. The caller computes the digest of the archive's image manifest itself.
 */
import { verifySimpleSigning } from './classic';
import { verifyFailed } from './errors';
import { decodeBase64 } from './formats';
import type { TrustedKey } from './keys';
import type { VerifiedSignature } from './source';

export interface DetachedInput {
  /** The payload file's bytes (a simple-signing document). */
  payload: Uint8Array;
  /** The signature file's bytes: base64 text as cosign writes it, or the raw DER signature. */
  signature: Uint8Array;
  /** The manifest digest computed by the caller from the archive (and its index, if any). */
  expectedDigests: readonly string[];
  trustedKeys: readonly TrustedKey[];
}

const MAX_PAYLOAD_BYTES = 128 * 1024;
const MAX_SIGNATURE_BYTES = 16 * 1024;

export function verifyDetachedSignature(input: DetachedInput): VerifiedSignature {
  if (input.payload.length > MAX_PAYLOAD_BYTES)
    throw verifyFailed('malformed', `the payload file is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  if (input.signature.length > MAX_SIGNATURE_BYTES)
    throw verifyFailed('malformed', `the signature file is larger than ${MAX_SIGNATURE_BYTES} bytes`);
  const text = Buffer.from(input.signature).toString('latin1');
  const signature = decodeBase64(text) ?? Buffer.from(input.signature);
  const verified = verifySimpleSigning({
    payload: input.payload,
    signature,
    expectedDigests: input.expectedDigests,
    trustedKeys: input.trustedKeys,
  });
  return { format: 'detached', ...verified };
}
