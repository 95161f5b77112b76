/**
 * Fetches an image's config and layers into private staging, by the digests and sizes of the signed
 * manifest (the source checks both while streaming), a few at a time. On the first failure the other
 * downloads are cancelled, and this returns only after every one has stopped, so the caller can
 * remove staging safely.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MirrorSource } from '../mirror';
import { digestHex, type Descriptor, type Digest } from '../oci';
import type { StagedLayer } from './import-codebundle';
import type { ImportableManifest } from './import-manifest';

export interface StagedImage {
  configPath: string;
  /** Bottom first, as in the manifest (a layer listed twice appears twice, fetched once). */
  layers: Array<StagedLayer & { digest: Digest; size: number }>;
  bytes: number;
}

export interface FetchOptions {
  concurrency: number;
  onProgress?: (received: number, total: number) => void;
}

export async function fetchBlobs(source: MirrorSource, repository: string, image: ImportableManifest, dir: string, options: FetchOptions): Promise<StagedImage> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const unique = new Map<string, Descriptor>();
  for (const d of [image.config, ...image.layers]) unique.set(d.digest, d);
  const queue = [...unique.values()];
  const total = queue.reduce((sum, d) => sum + d.size, 0);
  const received = new Map<string, number>();
  let reported = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const sum = [...received.values()].reduce((a, b) => a + b, 0);
    const now = Date.now();
    if (!force && now - lastReport < 100 && sum - reported < total / 100) return;
    lastReport = now;
    reported = sum;
    options.onProgress?.(sum, total);
  };
  const abort = new AbortController();
  let failure: Error | undefined;
  const worker = async () => {
    for (let next = queue.shift(); next && !abort.signal.aborted; next = queue.shift()) {
      const blob = next;
      try {
        await source.fetchBlobTo(repository, blob.digest, blob.size, join(dir, digestHex(blob.digest)), {
          signal: abort.signal,
          onProgress: (bytes) => {
            received.set(blob.digest, bytes);
            report();
          },
        });
        received.set(blob.digest, blob.size);
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
  return {
    configPath: join(dir, digestHex(image.config.digest)),
    layers: image.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, path: join(dir, digestHex(l.digest)) })),
    bytes: total,
  };
}
