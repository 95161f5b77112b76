/**
 * The import's byte path on a worker thread (src/bundles/import-worker.ts): a registry import into
 * the local engine runs its layer requests, checks, tar and load there, with the same result, the
 * same progress and the same refusals as on the calling thread; a worker that cannot start leaves
 * the import to the calling thread.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BundleImporter, type ImportCatalog, type ImportProgress } from '../../../src/bundles/import';
import { parseTrustedKeyPem } from '../../../src/trust';
import type { TestRegistry } from '../mirror/registry-fixture';
import {
  bundleImage,
  classicArtifact,
  closeWorkspace,
  KEYS,
  openWorkspace,
  push,
  refused,
  testEngine,
  TRUSTED_KEY,
  unique,
} from './fixture';

let work: string;
let registry: TestRegistry | undefined;
let skip: string | undefined;
const marker = () => process.env.AIRGAP_TEST_IMPORT_WORKER_MARK!;
const script = new URL('./worker-marker.ts', import.meta.url);

before(async () => {
  ({ work, registry, skip } = await openWorkspace('import-worker-'));
  process.env.AIRGAP_TEST_IMPORT_WORKER_MARK = join(work, 'worker-started');
});

after(() => closeWorkspace(registry, work));

function catalog(): ImportCatalog {
  return {
    trustedKeys: () => [parseTrustedKeyPem(readFileSync(join(KEYS, 'cosign.pub')))],
    signaturesOptional: () => false,
    policy: () => ({ allow: [], deny: [] }),
    revocation: () => undefined,
    byDigest: () => undefined,
    byNameVersion: () => undefined,
    record: (bundle) => ({ ...bundle, id: 1, imageRemovedAt: null }),
    reloaded: () => assert.fail('not a reload'),
  };
}

async function pushed(reg: TestRegistry) {
  const built = await bundleImage({ layers: [{ random: { seed: unique(), size: 3 * 1024 * 1024 } }] });
  const repo = `tests/${built.name}`;
  await push(reg, repo, built.image, '1.0.0');
  const sig = classicArtifact(built.image.manifestDigest, TRUSTED_KEY, `${reg.authority}/${repo}`);
  await push(reg, repo, sig.artifact, sig.tag);
  return { built, repo };
}

/** Forwards to the registry, flipping the last byte of the blob `digest`. */
async function corruptingProxy(target: string, digest: string) {
  const [host, port] = target.split(':');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } },
      (answer) => {
        if (!(req.url ?? '').endsWith(`/blobs/${digest}`) || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(parts);
          body.writeUInt8(body.readUInt8(body.length - 1) ^ 0xff, body.length - 1);
          res.writeHead(200, answer.headers);
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return { url: `registry://127.0.0.1:${own}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A bundle pushed and signed, the image removed again after the test, and an importer with `byteWorker`. */
async function setUp(t: { after: (fn: () => unknown) => void }, reg: TestRegistry, byteWorker: string | URL) {
  const engine = testEngine();
  const { built, repo } = await pushed(reg);
  t.after(() => engine.removeImage(built.image.configDigest, { force: true }).catch(() => undefined));
  const staging = join(work, `${built.name}-staging`);
  const importer = new BundleImporter({ engine, stagingRoot: staging, workstationId: 'worker-test', actor: 'user:op', byteWorker });
  return { engine, built, repo, staging, importer };
}

describe('the import byte path on a worker thread', () => {
  test('a registry import runs on the worker: imported, loaded, progress to the last byte, nothing staged', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const { engine, built, repo, staging, importer } = await setUp(t, registry, script);
    const seen: ImportProgress[] = [];
    const out = await importer.import({ source: registry.url, ref: `${repo}:1.0.0` }, catalog(), (p) => seen.push(p));
    assert.equal(out.outcome, 'imported');
    assert.equal(out.name, built.name);
    assert.ok(readFileSync(marker(), 'utf8').includes('up'), 'the worker thread started');
    assert.equal((await engine.inspectImage(built.image.configDigest))?.id, built.image.configDigest);
    const last = seen.filter((p) => p.stage === 'fetch').at(-1)!;
    assert.equal(last.received, last.total, 'progress reached every byte');
    assert.ok(
      last.layers!.every((l) => l.received === l.size),
      'every layer reported complete',
    );
    assert.deepEqual(readdirSync(staging), [], 'staging is empty');
  });

  test('a corrupted layer on the worker is refused with the same code and message, and the engine keeps nothing', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const { engine, built, repo, staging, importer } = await setUp(t, registry, script);
    // The data layer, below codebundle.yaml: it goes straight to the engine, never staged.
    const layer = built.image.layers[0]!.digest;
    const proxy = await corruptingProxy(registry.authority, layer);
    t.after(() => proxy.close());
    const message = await refused(
      importer.import({ source: proxy.url, ref: `${repo}:1.0.0` }, catalog()),
      'VERIFY_FAILED',
      /does not match its digest/,
    );
    assert.match(message, new RegExp(`The blob ${layer} of ${repo}`));
    assert.equal(await engine.inspectImage(built.image.configDigest), null, 'the engine loaded nothing');
    assert.deepEqual(readdirSync(staging), [], 'staging is empty');
  });

  test('a worker that cannot start: the import runs on the calling thread', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const missing = join(work, 'no-such-worker.mjs');
    assert.equal(existsSync(missing), false);
    const { engine, built, repo, staging, importer } = await setUp(t, registry, missing);
    const out = await importer.import({ source: registry.url, ref: `${repo}:1.0.0` }, catalog());
    assert.equal(out.outcome, 'imported');
    assert.equal((await engine.inspectImage(built.image.configDigest))?.id, built.image.configDigest);
    assert.deepEqual(readdirSync(staging), [], 'staging is empty');
  });
});
