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

/** Fetches each distinct blob once; resolves with the total bytes. */
export async function fetchBlobs(
  source: MirrorSource,
  repository: string,
  blobs: readonly Descriptor[],
  dir: string,
  options: FetchOptions,
): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const unique = new Map<string, Descriptor>();
  for (const d of blobs) unique.set(d.digest, d);
  const queue = [...unique.values()];
  const total = queue.reduce((sum, d) => sum + d.size, 0);
  const received = new Map<string, number>();
  let reported = 0;
  let lastReport = 0;
  const report = (force = false) => {
    if (!options.onProgress) return;
    const sum = [...received.values()].reduce((a, b) => a + b, 0);
    const now = Date.now();
    if (!force && now - lastReport < 100 && sum - reported < total / 100) return;
    lastReport = now;
    reported = sum;
    options.onProgress(
      sum,
      total,
      [...unique.values()].map((d) => ({ digest: d.digest, size: d.size, received: received.get(d.digest) ?? 0 })),
    );
  };
  const abort = new AbortController();
  let failure: Error | undefined;
  const worker = async () => {
    for (let next = queue.shift(); next && !abort.signal.aborted; next = queue.shift()) {
      const blob = next;
      try {
        await source.fetchBlobTo(repository, blob.digest, blob.size, stagedPath(dir, blob.digest), {
          signal: abort.signal,
          onProgress: (bytes) => {
            received.set(blob.digest, bytes);
            report();
          },
        });
        received.set(blob.digest, blob.size);
        // A finished blob is always reported, so its bar reaches 100% even between throttled reports.
        report(true);
        options.onBlobDone?.(blob.digest);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error('A download failed.');
        abort.abort();
      }
    }
  };
  report(true);
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, unique.size)) }, worker));
  if (failure !== undefined) throw failure;
  report(true);
  return total;
}
