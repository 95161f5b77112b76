/**
 * Signature check failures. Every one is a VERIFY_FAILED ApiError; `reason` lets the import pipeline
 * and the audit trail tell the kinds apart without parsing the message.
 */
import { ApiError } from '../kernel';

export type VerifyFailureReason =
  | 'unsigned' // no signature of a supported kind was found for the image
  | 'unknown-key' // signed, but by a key that is not in the trust roots
  | 'bad-signature' // a signature that does not verify (altered payload or signature)
  | 'digest-mismatch' // a valid signature, but for another image digest
  | 'wrong-type' // a valid signature over something that is not a cosign image signature
  | 'tampered' // a blob or manifest whose bytes do not match their digest or size
  | 'malformed'; // a signature artifact we cannot parse

/** Higher ranks are more telling: when several candidates fail, the most telling one is reported. */
const RANK: Record<VerifyFailureReason, number> = {
  unsigned: 0,
  malformed: 1,
  'wrong-type': 2,
  'unknown-key': 3,
  tampered: 4,
  'bad-signature': 5,
  'digest-mismatch': 6,
};

const NEXT_STEP: Record<VerifyFailureReason, string> = {
  unsigned: 'Sign the image with cosign (see docs/signatures.md) and import it again.',
  'unknown-key':
    "Ask an admin to add the signer's public key to the trust roots (trust add-key), or have the image signed with a trusted key.",
  'bad-signature': 'The signature or what it signs was altered: do not use this image; re-sign it from a trusted source.',
  'digest-mismatch': 'The signature belongs to another image: a tag may have moved. Import by digest, and sign that exact digest.',
  'wrong-type': 'Sign the image with `cosign sign` (an attestation is not a signature).',
  tampered: 'The mirror holds altered or corrupted content: re-copy the image and its signature from the source.',
  malformed: 'Re-sign the image with a supported cosign version (see docs/signatures.md).',
};

export class SignatureVerifyError extends ApiError {
  readonly reason: VerifyFailureReason;
  /** What failed, without the next step (for combining several failures). */
  readonly detail: string;
  constructor(reason: VerifyFailureReason, detail: string, options?: { cause?: unknown }) {
    super('VERIFY_FAILED', `Signature check failed: ${detail}. ${NEXT_STEP[reason]}`, options);
    this.reason = reason;
    this.detail = detail;
  }
}

export function verifyFailed(reason: VerifyFailureReason, detail: string, cause?: unknown): SignatureVerifyError {
  return new SignatureVerifyError(reason, detail, cause === undefined ? undefined : { cause });
}

/** Picks the most telling of several failures (the first among equals). */
export function mostTelling(failures: readonly SignatureVerifyError[]): SignatureVerifyError | undefined {
  let best: SignatureVerifyError | undefined;
  for (const failure of failures) {
    if (!best || RANK[failure.reason] > RANK[best.reason]) best = failure;
  }
  return best;
}
