/**
 * The streamed docker-save tar: each layer goes out as its bytes arrive, top layer first;
 * manifest.json goes out only when the gate opens; a refusal or a failed layer fails the stream (so
 * the engine's request is cut and it loads nothing), and a refusal cancels the download under way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSaveStream, type StreamedLayer } from '../../../src/bundles/import-load';
import { digestHex, dockerSaveManifestSchema, readTar, sha256Digest } from '../../../src/oci';

function layer(content: string): StreamedLayer & { bytes: Buffer } {
  const bytes = Buffer.from(content);
  return { digest: sha256Digest(bytes), size: bytes.length, bytes };
}

const config = Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}');
const configDigest = sha256Digest(config);
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Bodies that hand out each layer's first half at once and the rest when `release` is called. */
function controlledBodies(layers: Array<StreamedLayer & { bytes: Buffer }>) {
  const asked: string[] = [];
  const releases = new Map<string, () => void>();
  const body = async function* (l: StreamedLayer, signal: AbortSignal): AsyncGenerator<Buffer> {
    asked.push(l.digest);
    const bytes = layers.find((x) => x.digest === l.digest)!.bytes;
    const half = Math.floor(bytes.length / 2);
    yield bytes.subarray(0, half);
    await new Promise<void>((resolve, reject) => {
      releases.set(l.digest, resolve);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    yield bytes.subarray(half);
  };
  return { body, asked, release: (l: StreamedLayer) => releases.get(l.digest)?.() };
}

test('layers stream top first as their bytes arrive; manifest.json waits for the gate, and lists the manifest order', async () => {
  const a = layer('layer a, the bottom one');
  const b = layer('layer b, the top one');
  const bodies = controlledBodies([a, b]);
  const { stream, gate, sent } = dockerSaveStream({ configBytes: config, configDigest, layers: [a, b] }, bodies.body);
  const names: string[] = [];
  let manifest = '';
  let sentDone = false;
  void sent.then(() => (sentDone = true));
  const reading = (async () => {
    for await (const entry of readTar(stream as AsyncIterable<Buffer>)) {
      names.push(entry.path);
      if (entry.path === 'manifest.json') for await (const c of entry.body()) manifest += c.toString();
    }
  })();
  await tick();
  assert.deepEqual(bodies.asked, [b.digest], 'the top layer is asked for first, and only it while it arrives');
  assert.deepEqual(names, [`${digestHex(configDigest)}.json`, digestHex(b.digest), `${digestHex(b.digest)}/layer.tar`]);
  bodies.release(b);
  await tick();
  assert.deepEqual(bodies.asked, [b.digest, a.digest], 'the next layer down follows');
  assert.ok(!sentDone, 'not every layer was sent yet');
  bodies.release(a);
  await sent;
  await tick();
  assert.ok(!names.includes('manifest.json'), 'no manifest.json before the gate opens');
  gate.open(['airgap-runner/x:1.0.0-abc']);
  await reading;
  assert.equal(names[names.length - 1], 'manifest.json');
  const parsed = dockerSaveManifestSchema.parse(JSON.parse(manifest));
  assert.deepEqual(parsed[0]?.Layers, [`${digestHex(a.digest)}/layer.tar`, `${digestHex(b.digest)}/layer.tar`]);
  assert.deepEqual(parsed[0]?.RepoTags, ['airgap-runner/x:1.0.0-abc']);
});

test('a layer listed twice goes out once, where it is topmost', async () => {
  const a = layer('layer a');
  const b = layer('layer b');
  const asked: string[] = [];
  const body = async function* (l: StreamedLayer): AsyncGenerator<Buffer> {
    asked.push(l.digest);
    yield [a, b].find((x) => x.digest === l.digest)!.bytes;
  };
  const { stream, gate } = dockerSaveStream({ configBytes: config, configDigest, layers: [b, a, b] }, body);
  gate.open([]);
  const names: string[] = [];
  for await (const entry of readTar(stream as AsyncIterable<Buffer>)) names.push(entry.path);
  assert.deepEqual(asked, [b.digest, a.digest]);
  assert.equal(names.filter((n) => n === `${digestHex(b.digest)}/layer.tar`).length, 1);
});

test('a refusal before the gate fails the stream: the tar never completes', async () => {
  const a = layer('layer c');
  const body = async function* (): AsyncGenerator<Buffer> {
    yield a.bytes;
  };
  const { stream, gate, sent } = dockerSaveStream({ configBytes: config, configDigest, layers: [a] }, body);
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  await sent;
  await tick();
  gate.refuse(new Error('codebundle.yaml is invalid'));
  await assert.rejects(reading, /codebundle\.yaml is invalid/);
  assert.ok(!Buffer.concat(chunks).includes(Buffer.from('manifest.json')), 'manifest.json was never sent');
});

test('a failed download fails the stream while the layer arrives', async () => {
  const a = layer('layer d');
  const body = async function* (): AsyncGenerator<Buffer> {
    yield a.bytes.subarray(0, 3);
    throw new Error('The blob does not match its digest');
  };
  const { stream, sent } = dockerSaveStream({ configBytes: config, configDigest, layers: [a, layer('layer e')] }, body);
  const reading = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) void chunk;
  })();
  await assert.rejects(reading, /does not match its digest/);
  await assert.rejects(sent, /does not match its digest/);
});

test('a refusal while a layer arrives cancels its download at once', async () => {
  const a = layer('layer f, slow to arrive');
  const bodies = controlledBodies([a]);
  const { stream, gate, sent } = dockerSaveStream({ configBytes: config, configDigest, layers: [a] }, bodies.body);
  const reading = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) void chunk;
  })();
  await tick();
  assert.deepEqual(bodies.asked, [a.digest]);
  const started = Date.now();
  gate.refuse(new Error('the engine went away'));
  await assert.rejects(reading, /the engine went away/);
  await assert.rejects(sent, /the engine went away/);
  assert.ok(Date.now() - started < 1000, 'the waiting download was cancelled, not waited for');
});
