/** The export's hashing thread (block-hasher.ts): the digest of every block in order, whatever memory each block is in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startBlockHasher } from '../../../src/audit/block-hasher';

function shared(bytes: Uint8Array): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(bytes.length + 7), 3, bytes.length);
  out.set(bytes);
  return out;
}

test('the digest covers every block in the order given: shared, plain, offset views and empty blocks alike', async () => {
  const parts = [randomBytes(5000), randomBytes(1), Buffer.alloc(0), randomBytes(70_000), randomBytes(333)];
  const hasher = startBlockHasher();
  try {
    await Promise.all([
      hasher.update(shared(parts[0]!)),
      hasher.update(parts[1]!),
      hasher.update(parts[2]!),
      hasher.update(shared(parts[3]!)),
      hasher.update(parts[4]!.subarray(0)),
    ]);
    assert.equal(await hasher.digest(), createHash('sha256').update(Buffer.concat(parts)).digest('hex'));
  } finally {
    await hasher.close();
  }
});

test('a block may be reused once its update resolved: what it held then is what was hashed', async () => {
  const block = shared(Buffer.from('first block of lines\n'));
  const hasher = startBlockHasher();
  try {
    await hasher.update(block);
    block.fill(0x41);
    await hasher.update(block);
    const expected = createHash('sha256').update('first block of lines\n').update(Buffer.alloc(block.length, 0x41)).digest('hex');
    assert.equal(await hasher.digest(), expected);
  } finally {
    await hasher.close();
  }
});

test('after close nothing more is hashed: an update fails instead of hanging', async () => {
  const hasher = startBlockHasher();
  await hasher.close();
  await assert.rejects(hasher.update(shared(Buffer.from('late'))), /hashing thread stopped/);
});
