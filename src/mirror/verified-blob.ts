/**
 * A blob checked while it streams: never more than the declared size (the stream is cut the moment
 * it overflows, before the overflowing chunk is handed on), exactly that size at the end, and the
 * sha256 the signed manifest declared. The last chunk is held back until the digest matches, so a
 * consumer never gets a blob's final byte unless the whole blob is the signed one (and a failure
 * always arrives before the consumer could take the blob as complete).
 *
 * Written to disk, the file is created exclusively, 0600, without following symlinks; on any
 * failure it is removed.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
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
 * Yields `chunks` as they are checked (see the top of the file). `stop` is called when the source
 * must be torn down early (overflow, abort, a consumer that stops reading), so a hostile server
 * cannot keep sending.
 */
export async function* verifiedChunks(
  chunks: AsyncIterable<Buffer>,
  expected: { digest: string; size: number; label: string },
  options: FetchBlobOptions = {},
  stop: () => void = () => undefined,
): AsyncGenerator<Buffer> {
  const digest = parseDigest(expected.digest).digest;
  checkExpectedSize(expected.size);
  const hash = createHash('sha256');
  let received = 0;
  let held: Buffer | undefined;
  let finished = false;
  try {
    for await (const chunk of chunks) {
      if (options.signal?.aborted) throw new ApiError('INTERNAL', `The download of ${expected.label} was cancelled.`);
      received += chunk.length;
      if (received > expected.size) {
        throw new ApiError(
          'VERIFY_FAILED',
          `${expected.label} is larger than the ${expected.size} bytes its manifest declares; the download was stopped. The mirror content is corrupt or was tampered with.`,
        );
      }
      hash.update(chunk);
      options.onProgress?.(received, expected.size);
      if (held) yield held;
      held = chunk;
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
    finished = true;
    if (held) yield held;
  } finally {
    if (!finished) stop();
  }
}

async function createBlobFile(destPath: string): Promise<FileHandle> {
  return await open(destPath, CREATE_FLAGS, 0o600);
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) offset += (await file.write(chunk, offset, chunk.length - offset)).bytesWritten;
}

/**
 * Writes checked chunks (from verifiedChunks) to `destPath`, created as described above, yielding
 * each once it is written; the file is removed unless every chunk arrived.
 */
export async function* teeToNewFile(verified: AsyncIterable<Buffer>, destPath: string): AsyncGenerator<Buffer> {
  const file = await createBlobFile(destPath);
  let ok = false;
  try {
    for await (const chunk of verified) {
      await writeAll(file, chunk);
      yield chunk;
    }
    ok = true;
  } finally {
    await file.close();
    if (!ok) await unlink(destPath).catch(() => undefined);
  }
}

/** Consumes checked chunks (from verifiedChunks) into `destPath`; see teeToNewFile. */
export async function writeBlobFile(verified: AsyncIterable<Buffer>, destPath: string): Promise<void> {
  // No fsync: blobs land in staging that is removed after the import (or swept after a crash), so
  // durability buys nothing, while a forced writeback per blob competes with the engine's own writes.
  for await (const chunk of teeToNewFile(verified, destPath)) void chunk;
}

/** Consumes raw `chunks` into `destPath`, checked as verifiedChunks does. */
export async function writeVerifiedBlob(
  chunks: AsyncIterable<Buffer>,
  expected: { digest: string; size: number; label: string },
  destPath: string,
  options: FetchBlobOptions = {},
  stop: () => void = () => undefined,
): Promise<void> {
  await writeBlobFile(verifiedChunks(chunks, expected, options, stop), destPath);
}
