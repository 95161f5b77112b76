/**
 * sha256 digests as the signature code needs them. Only the canonical lower-case form is accepted:
 * a digest ends up in tags, file names and URLs.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../kernel';

const DIGEST_RE = /^sha256:([a-f0-9]{64})$/;

export function isSha256Digest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** The hex part of a digest; INVALID_INPUT when it is not `sha256:<64 hex>`. */
export function digestHexOf(digest: string): string {
  const hex = DIGEST_RE.exec(digest)?.[1];
  if (hex === undefined) {
    const shown = digest.length > 80 ? `${digest.slice(0, 80)}…` : digest;
    throw new ApiError('INVALID_INPUT', `"${shown}" is not an image digest. Use sha256:<64 lower-case hex characters>.`);
  }
  return hex;
}

export function sha256Of(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The tag under which cosign's classic format stores the signatures of `digest`. */
export function cosignSignatureTag(digest: string): string {
  return `sha256-${digestHexOf(digest)}.sig`;
}

/** The OCI 1.1 referrers fallback tag (an index of the referrers of `digest`). */
export function referrersFallbackTag(digest: string): string {
  return `sha256-${digestHexOf(digest)}`;
}
