/**
 * Nothing is downloaded or parsed before the signature check. An unsigned image whose layer is a
 * decompression bomb (1 MiB of gzip that expands to 1 GiB) is imported through a small counting proxy
 * on 127.0.0.1 in front of the real registry: it is refused as unsigned, and the proxy saw no blob
 * request at all (not the layer, not even the config), only manifests and signature lookups.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CODEBUNDLE_LABEL } from '../../../src/bundles';
import { DigestStream, MediaType, sha256Digest, tarStream, type OciArtifact } from '../../../src/oci';
import type { TestRegistry } from '../mirror/registry-fixture';
import { assertNothingLeft, importCore, push, refused, unique, openWorkspace, closeWorkspace } from './fixture';

const EXPANDED = 1024 ** 3;

let work: string;
let registry: TestRegistry | undefined;
let skip: string | undefined;

before(async () => {
  ({ work, registry, skip } = await openWorkspace('import-bomb-'));
});

after(() => closeWorkspace(registry, work));

/** Forwards everything to the registry and records each request line. */
async function countingProxy(target: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const [host, port] = target.split(':');
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } },
      (answer) => {
        const headers = { ...answer.headers };
        if (typeof headers.location === 'string') headers.location = headers.location.replace(`//${target}`, `//${req.headers.host ?? ''}`);
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `registry://127.0.0.1:${own}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A gzip layer holding one file of EXPANDED zero bytes. */
async function bombLayer(
  path: string,
): Promise<{ digest: ReturnType<DigestStream['digest']>; size: number; diffId: ReturnType<DigestStream['digest']> }> {
  const chunk = Buffer.alloc(1 << 20);
  async function* zeros() {
    for (let sent = 0; sent < EXPANDED; sent += chunk.length) yield chunk;
  }
  const diff = new DigestStream();
  const compressed = new DigestStream();
  await pipeline(
    Readable.from(tarStream([{ type: 'file', path: 'codebundle/zeros.bin', size: EXPANDED, body: zeros }])),
    diff,
    createGzip({ level: 9, chunkSize: 1 << 20 }),
    compressed,
    createWriteStream(path),
  );
  return { digest: compressed.digest(), size: compressed.size, diffId: diff.digest() };
}

describe('nothing is fetched before the signature check', () => {
  test('an unsigned decompression bomb is refused without a single blob request', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique('bomb');
    const repo = `tests/${name}`;
    const layerPath = join(work, 'bomb.tar.gz');
    const layer = await bombLayer(layerPath);
    assert.ok(layer.size < EXPANDED / 500, `the layer is a bomb: ${layer.size} bytes expand to ${EXPANDED}`);
    const configBytes = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { User: '65534:65534', Labels: { [CODEBUNDLE_LABEL]: '/codebundle/codebundle.yaml' } },
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length },
        layers: [{ mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size }],
      }),
    );
    const artifact: OciArtifact = {
      mediaType: MediaType.ociManifest,
      manifestBytes: manifest,
      manifestDigest: sha256Digest(manifest),
      blobs: [
        { digest: sha256Digest(configBytes), size: configBytes.length, buffer: configBytes },
        { digest: layer.digest, size: layer.size, path: layerPath },
      ],
    };
    await push(registry, repo, artifact, '1.0.0');

    const proxy = await countingProxy(registry.authority);
    t.after(() => proxy.close());
    await refused(c.op('bundles.import', { source: proxy.url, ref: `${repo}:1.0.0` }), 'VERIFY_FAILED', /is unsigned/);

    const seen = proxy.requests.filter((r) => r.includes(`/v2/${repo}/`));
    assert.ok(seen.includes(`GET /v2/${repo}/manifests/1.0.0`), `the manifest was read through the proxy: ${seen.join(', ')}`);
    assert.deepEqual(
      seen.filter((r) => r.includes('/blobs/')),
      [],
      'no blob was requested: neither the layer nor the config',
    );
    assert.ok(!proxy.requests.some((r) => r.includes(layer.digest)), 'the bomb layer was never asked for');
    await assertNothingLeft(c, { configDigest: sha256Digest(configBytes), manifestDigest: artifact.manifestDigest }, name, 'VERIFY_FAILED');
  });
});
