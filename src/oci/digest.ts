/**
 * Content digests. Only sha256 is accepted, in its canonical lower-case form: a digest is used as a
 * file name (blobs/sha256/<hex>) and in URLs, so anything looser would be a path or injection risk.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { ApiError } from '../kernel';

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:([a-f0-9]{64})$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** Returns the hex part of a digest, or throws INVALID_INPUT naming what was wrong. */
export function parseDigest(value: string): { algorithm: 'sha256'; hex: string; digest: Digest } {
  const match = DIGEST_RE.exec(value);
  if (!match || match[1] === undefined) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new ApiError('INVALID_INPUT', `"${shown}" is not a valid image digest. Use the form sha256:<64 lower-case hex characters>.`);
  }
  return { algorithm: 'sha256', hex: match[1], digest: value as Digest };
}

export function digestHex(digest: string): string {
  return parseDigest(digest).hex;
}

export function sha256Digest(data: Buffer | Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hashToDigest(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}

/** The tag cosign uses for a classic signature of `digest`: `sha256-<hex>.sig`. */
export function signatureTagFor(digest: string): string {
  return `sha256-${digestHex(digest)}.sig`;
}

/**
 * What a tag names: cosign's signature, attestation or SBOM of an image (`sha256-<hex>.sig`, `.att`,
 * `.sbom`), the OCI 1.1 referrers fallback (`sha256-<hex>`), else an image.
 */
export function tagKind(tag: string): 'image' | 'signature' | 'attestation' | 'sbom' | 'referrers' {
  const m = /^sha256-[0-9a-f]{64}(?:\.(sig|att|sbom))?$/.exec(tag);
  if (!m) return 'image';
  return m[1] === 'sig' ? 'signature' : m[1] === 'att' ? 'attestation' : m[1] === 'sbom' ? 'sbom' : 'referrers';
}

/** The OCI 1.1 referrers fallback tag for `digest`: `sha256-<hex>`. */
export function referrersTagFor(digest: string): string {
  return `sha256-${digestHex(digest)}`;
}

export async function digestFile(path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: hashToDigest(hash), size };
}

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** Valid once the stream has finished. */
  digest(): Digest {
    return hashToDigest(this.hash);
  }
}
