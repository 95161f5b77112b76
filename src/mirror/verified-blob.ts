/**
 * Writes a blob to disk while checking it: never more than the declared size (the stream is cut the
 * moment it overflows), exactly that size at the end, and the sha256 the signed manifest declared.
 * The file is created exclusively, 0600, without following symlinks; on any failure it is removed.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { ApiError } from '../kernel';
import { parseDigest, type Digest } from '../oci';
import type { FetchBlobOptions } from './types';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export function checkExpectedSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ApiError('INVALID_INPUT', `${size} is not a valid blob size.`);
  }
}

/**
 * Consumes `chunks` into `destPath`. `stop` is called when the source must be torn down early
 * (overflow, abort), so a hostile server cannot keep sending.
 */
export async function writeVerifiedBlob(
  chunks: AsyncIterable<Buffer>,
  expected: { digest: string; size: number; label: string },
  destPath: string,
  options: FetchBlobOptions = {},
  stop: () => void = () => undefined,
): Promise<void> {
  const digest = parseDigest(expected.digest).digest;
  checkExpectedSize(expected.size);
  const file = await open(destPath, CREATE_FLAGS, 0o600);
  const hash = createHash('sha256');
  let received = 0;
  let ok = false;
  try {
    for await (const chunk of chunks) {
      if (options.signal?.aborted) {
        stop();
        throw new ApiError('INTERNAL', `The download of ${expected.label} was cancelled.`);
      }
      received += chunk.length;
      if (received > expected.size) {
        stop();
        throw new ApiError(
          'VERIFY_FAILED',
          `${expected.label} is larger than the ${expected.size} bytes its manifest declares; the download was stopped. The mirror content is corrupt or was tampered with.`,
        );
      }
      hash.update(chunk);
      let offset = 0;
      while (offset < chunk.length) offset += (await file.write(chunk, offset, chunk.length - offset)).bytesWritten;
      options.onProgress?.(received, expected.size);
    }
    if (received !== expected.size) {
      throw new ApiError(
        'VERIFY_FAILED',
        `${expected.label} has ${received} bytes, but its manifest declares ${expected.size}. The mirror content is incomplete or was tampered with.`,
      );
    }
    const actual: Digest = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      throw new ApiError(
        'VERIFY_FAILED',
        `${expected.label} does not match its digest (got ${actual}). The mirror content is corrupt or was tampered with; it was not kept.`,
      );
    }
    // No fsync: blobs land in staging that is removed after the import (or swept after a crash), so
    // durability buys nothing, while a forced writeback per blob competes with the engine's own writes.
    ok = true;
  } finally {
    await file.close();
    if (!ok) await unlink(destPath).catch(() => undefined);
  }
}
