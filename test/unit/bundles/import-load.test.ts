/**
 * The streamed docker-save tar: layers go out as they become ready, in the order they finish;
 * manifest.json goes out only when the gate opens; a refusal fails the stream (so the engine's
 * request is cut and it loads nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerSaveStream, ReadyQueue } from '../../../src/bundles/import-load';
import { digestHex, dockerSaveManifestSchema, readTar, sha256Digest } from '../../../src/oci';

const dir = mkdtempSync(join(tmpdir(), 'import-load-'));

function blob(content: string) {
  const bytes = Buffer.from(content);
  const digest = sha256Digest(bytes);
  const path = join(dir, digestHex(digest));
  writeFileSync(path, bytes);
  return { digest, size: bytes.length, path };
}

const config = Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}');
const configDigest = sha256Digest(config);

test('layers stream in the order they are ready; manifest.json waits for the gate, and lists the manifest order', async () => {
  const a = blob('layer a');
  const b = blob('layer b');
  const queue = new ReadyQueue();
  const { stream, gate } = dockerSaveStream({ configBytes: config, configDigest, layers: [a, b] }, queue);
  const names: string[] = [];
  let manifest = '';
  const reading = (async () => {
    for await (const entry of readTar(stream as AsyncIterable<Buffer>)) {
      names.push(entry.path);
      if (entry.path === 'manifest.json') for await (const c of entry.body()) manifest += c.toString();
    }
  })();
  queue.push(b.digest);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    names,
    [`${digestHex(configDigest)}.json`, digestHex(b.digest), `${digestHex(b.digest)}/layer.tar`],
    'b went out first, a is not ready yet',
  );
  queue.push(a.digest);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(!names.includes('manifest.json'), 'no manifest.json before the gate opens');
  gate.open(['airgap-runner/x:1.0.0-abc']);
  await reading;
  assert.equal(names[names.length - 1], 'manifest.json');
  const parsed = dockerSaveManifestSchema.parse(JSON.parse(manifest));
  assert.deepEqual(parsed[0]?.Layers, [`${digestHex(a.digest)}/layer.tar`, `${digestHex(b.digest)}/layer.tar`]);
  assert.deepEqual(parsed[0]?.RepoTags, ['airgap-runner/x:1.0.0-abc']);
});

test('a refusal before the gate fails the stream: the tar never completes', async () => {
  const a = blob('layer c');
  const queue = new ReadyQueue();
  const { stream, gate } = dockerSaveStream({ configBytes: config, configDigest, layers: [a] }, queue);
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  queue.push(a.digest);
  await new Promise((r) => setTimeout(r, 20));
  gate.refuse(new Error('codebundle.yaml is invalid'));
  await assert.rejects(reading, /codebundle\.yaml is invalid/);
  assert.ok(!Buffer.concat(chunks).includes(Buffer.from('manifest.json')), 'manifest.json was never sent');
});

test('a failed download fails the stream while it waits for layers', async () => {
  const queue = new ReadyQueue();
  const { stream, gate } = dockerSaveStream({ configBytes: config, configDigest, layers: [blob('layer d'), blob('layer e')] }, queue);
  const reading = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) void chunk;
  })();
  await new Promise((r) => setTimeout(r, 10));
  gate.refuse(new Error('The blob does not match its digest'));
  await assert.rejects(reading, /does not match its digest/);
});
