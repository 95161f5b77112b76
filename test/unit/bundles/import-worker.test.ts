/**
 * The import worker's edges that need no engine (the rest is test/integration/import/worker.test.ts):
 * errors cross the thread boundary with their code, message and next step; the worker script is
 * found when running from source; and an engine that is not local keeps the import on this thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ApiError } from '../../../src/kernel';
import type { ContainerEngine } from '../../../src/engine';
import type { MirrorSource } from '../../../src/mirror';
import { fromWire, importWorkerScript, startLoad, toWire } from '../../../src/bundles/import-worker';

test('errors cross with the same code, message and next step', () => {
  const api = fromWire(toWire(new ApiError('VERIFY_FAILED', 'The blob x does not match its digest.', { next: 'init' })));
  assert.ok(api instanceof ApiError);
  assert.equal(api.code, 'VERIFY_FAILED');
  assert.equal(api.message, 'The blob x does not match its digest.');
  assert.equal(api.next, 'init');
  const plain = fromWire(toWire(new Error('refused')));
  assert.equal(plain instanceof ApiError, false);
  assert.equal(plain.message, 'refused');
});

test('the worker script is found next to the module when running from source', () => {
  const script = importWorkerScript();
  assert.ok(script && existsSync(script), `found ${script?.href}`);
});

test('an engine without a local socket loads on this thread, even with a worker script', async () => {
  let loadedHere = 0;
  const engine = {
    loadImage: async (tar: NodeJS.ReadableStream) => {
      loadedHere++;
      for await (const chunk of tar as Readable) void chunk;
      return { imageIds: [], tags: [] };
    },
  } as unknown as ContainerEngine;
  const source = { streamBlob: () => Readable.from([]) } as unknown as MirrorSource;
  const configBytes = Buffer.from('{}');
  const handle = await startLoad(
    { byteWorker: importWorkerScript()! },
    { source: 'registry://127.0.0.1:5000' },
    engine,
    { configBytes, configDigest: `sha256:${'0'.repeat(64)}`, layers: [] },
    {
      source,
      repository: 'r',
      blobDir: '/nonexistent',
      hooks: { settled: () => true, staged: async () => undefined, progress: () => undefined },
    },
  );
  await handle.sent;
  handle.gate.open(['r:1']);
  assert.equal(await handle.loading, undefined);
  await handle.close();
  assert.equal(loadedHere, 1, 'the engine on this thread got the load');
});
