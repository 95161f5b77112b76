/**
 * A blob checked while it streams (MirrorSource.streamBlob): no chunk past the signed size is ever
 * handed on, the last chunk only once size and digest matched, and the source is stopped when the
 * consumer stops early or a check fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifiedChunks } from '../../../src/mirror/verified-blob';
import { sha256Digest } from '../../../src/oci';

async function* chunksOf(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

const content = 'first-second-third';
const expected = { digest: sha256Digest(Buffer.from(content)), size: content.length, label: 'The blob' };

async function collect(source: AsyncIterable<Buffer>): Promise<{ got: string; error?: Error }> {
  let got = '';
  try {
    for await (const chunk of source) got += chunk.toString();
    return { got };
  } catch (error) {
    return { got, error: error as Error };
  }
}

test('a matching blob comes through whole and in order', async () => {
  const progress: number[] = [];
  const { got, error } = await collect(
    verifiedChunks(chunksOf('first-', 'second-', 'third'), expected, { onProgress: (bytes) => progress.push(bytes) }),
  );
  assert.equal(error, undefined);
  assert.equal(got, content);
  assert.deepEqual(progress, [6, 13, 18]);
});

test('a digest mismatch: the consumer never gets the last chunk, and the error says why', async () => {
  let stopped = 0;
  const { got, error } = await collect(verifiedChunks(chunksOf('first-', 'second-', 'thirD'), expected, {}, () => stopped++));
  assert.match(error?.message ?? '', /does not match its digest/);
  assert.equal(got, 'first-second-', 'everything but the last chunk, so the blob is never complete');
  assert.equal(stopped, 1);
});

test('more bytes than the signed size: the overflowing chunk is never handed on', async () => {
  let stopped = 0;
  const { got, error } = await collect(verifiedChunks(chunksOf('first-', 'second-', 'third', '-and-more'), expected, {}, () => stopped++));
  assert.match(error?.message ?? '', /larger than the 18 bytes its manifest declares/);
  assert.ok(got.length <= expected.size, `no more than the signed size went on (${got.length})`);
  assert.equal(got, 'first-second-');
  assert.equal(stopped, 1, 'the source was stopped');
});

test('fewer bytes than the signed size: refused, and never complete', async () => {
  const { got, error } = await collect(verifiedChunks(chunksOf('first-', 'second-'), expected));
  assert.match(error?.message ?? '', /has 13 bytes, but its manifest declares 18/);
  assert.equal(got, 'first-');
});

test('a consumer that stops early stops the source; a cancel stops it too', async () => {
  let stopped = 0;
  for await (const chunk of verifiedChunks(chunksOf('first-', 'second-', 'third'), expected, {}, () => stopped++)) {
    void chunk;
    break;
  }
  assert.equal(stopped, 1);
  const abort = new AbortController();
  abort.abort();
  const { error } = await collect(
    verifiedChunks(chunksOf('first-', 'second-', 'third'), expected, { signal: abort.signal }, () => stopped++),
  );
  assert.match(error?.message ?? '', /cancelled/);
  assert.equal(stopped, 2);
});
