/**
 * Deterministic incompressible bytes from a seed (AES-256-CTR keystream over zeros), for benchmark
 * layers: the same seed and size always give the same bytes, fast enough for hundreds of megabytes.
 */
import { createCipheriv, createHash } from 'node:crypto';

export async function* seededRandomBytes(seed: string, size: number, chunkSize = 1 << 20): AsyncGenerator<Buffer> {
  const key = createHash('sha256').update(`airgap-runner:random:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  let left = size;
  while (left > 0) {
    const take = Math.min(left, chunkSize);
    yield cipher.update(take === chunkSize ? zeros : zeros.subarray(0, take));
    left -= take;
  }
}
