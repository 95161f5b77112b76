/**
 * Fetches blobs (an image's config, then its layers) into private staging, by the digests and sizes
 * of the signed manifest (the source checks both while streaming), a few at a time. Each blob is
 * reported when it is complete and checked. On the first failure the other downloads are cancelled,
 * and this returns only after every one has stopped, so the caller can remove staging safely.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MirrorSource } from '../mirror';
import { digestHex, type Descriptor } from '../oci';

/** One blob's download: its digest and size (from the signed manifest) and the bytes received so far. */
export interface BlobProgress {
  digest: string;
  size: number;
  received: number;
}

export interface FetchOptions {
  concurrency: number;
  /** Bytes received so far of all blobs in this call, their total, and each distinct blob in the order given. */
  onProgress?: (received: number, total: number, blobs: BlobProgress[]) => void;
  /** A blob is in staging, its size and digest checked. */
  onBlobDone?: (digest: string) => void;
}

export function stagedPath(dir: string, digest: string): string {
  return join(dir, digestHex(digest));
}

/**
 * Bytes received per blob, reported at most every 100 ms or 1% (a blob that completes is always
 * reported, so its bar reaches 100% even between throttled reports).
 */
export class BlobProgressTracker {
  private readonly received = new Map<string, number>();
  readonly total: number;
  private reported = 0;
  private lastReport = 0;

  constructor(
    private readonly blobs: readonly Descriptor[],
    private readonly onProgress?: FetchOptions['onProgress'],
  ) {
    this.total = blobs.reduce((sum, d) => sum + d.size, 0);
  }

  set(digest: string, bytes: number, force = false): void {
    this.received.set(digest, bytes);
    this.report(force);
  }

  report(force = false): void {
    if (!this.onProgress) return;
    let sum = 0;
    for (const bytes of this.received.values()) sum += bytes;
    const now = Date.now();
    if (!force && now - this.lastReport < 100 && sum - this.reported < this.total / 100) return;
    this.lastReport = now;
    this.reported = sum;
    this.onProgress(
      sum,
      this.total,
      this.blobs.map((d) => ({ digest: d.digest, size: d.size, received: this.received.get(d.digest) ?? 0 })),
    );
  }
}

/** Each distinct blob once, in the order given. */
export function distinctBlobs(blobs: readonly Descriptor[]): Descriptor[] {
  return [...new Map(blobs.map((d) => [d.digest, d])).values()];
}

/** Fetches each distinct blob once; resolves with the total bytes. */
export async function fetchBlobs(
  source: MirrorSource,
  repository: string,
  blobs: readonly Descriptor[],
  dir: string,
  options: FetchOptions,
): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const unique = distinctBlobs(blobs);
  const queue = [...unique];
  const progress = new BlobProgressTracker(unique, options.onProgress);
  const abort = new AbortController();
  let failure: Error | undefined;
  const worker = async () => {
    for (let next = queue.shift(); next && !abort.signal.aborted; next = queue.shift()) {
      const blob = next;
      try {
        await source.fetchBlobTo(repository, blob.digest, blob.size, stagedPath(dir, blob.digest), {
          signal: abort.signal,
          onProgress: (bytes) => progress.set(blob.digest, bytes),
        });
        progress.set(blob.digest, blob.size, true);
        options.onBlobDone?.(blob.digest);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error('A download failed.');
        abort.abort();
      }
    }
  };
  progress.report(true);
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, unique.length)) }, worker));
  if (failure !== undefined) throw failure;
  progress.report(true);
  return progress.total;
}
