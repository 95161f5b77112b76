/**
 * Checks on manifest bytes that every source applies before handing them out: the digest matches,
 * the size is under the cap, and the media type is known (from the document, else the server).
 */
import { ApiError } from '../kernel';
import { MediaType, sha256Digest, type Digest } from '../oci';

/** JSON from the mirror: undefined instead of a SyntaxError, so callers can say what was wrong. */
export function tryParseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function tooBigManifest(label: string, maxBytes: number): ApiError {
  return new ApiError(
    'VERIFY_FAILED',
    `The manifest of ${label} is larger than ${maxBytes} bytes; it was refused. Ask the publisher for a smaller manifest or raise the limit in the settings.`,
  );
}

export function manifestMediaType(bytes: Buffer, label: string, headerType?: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ApiError('VERIFY_FAILED', `The manifest of ${label} is not valid JSON. The mirror content is corrupt.`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ApiError('VERIFY_FAILED', `The manifest of ${label} is not a JSON object. The mirror content is corrupt.`);
  }
  const record = doc as Record<string, unknown>;
  if (typeof record.mediaType === 'string' && record.mediaType) return record.mediaType;
  const header = headerType?.split(';')[0]?.trim();
  if (header && header !== 'application/json' && header !== 'application/octet-stream') return header;
  if (Array.isArray(record.manifests)) return MediaType.ociIndex;
  if (record.config && Array.isArray(record.layers)) return MediaType.ociManifest;
  throw new ApiError('VERIFY_FAILED', `The manifest of ${label} has no media type. The mirror content is not an OCI image.`);
}

/** Digest of `bytes`, which must equal `wanted` when the manifest was asked for by digest. */
export function checkManifestDigest(bytes: Buffer, wanted: string | undefined, label: string): Digest {
  const digest = sha256Digest(bytes);
  if (wanted !== undefined && digest !== wanted) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The manifest of ${label} does not match the digest it was asked by (got ${digest}). The mirror content is corrupt or was tampered with.`,
    );
  }
  return digest;
}
