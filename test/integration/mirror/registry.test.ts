/**
 * RegistrySource against the real CNCF distribution registry (Debian's docker-registry).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../src/kernel';
import { RegistrySource, resolvePlatformManifest } from '../../../src/mirror';
import {
  artifactFromImage,
  artifactFromManifest,
  buildImage,
  digestHex,
  MediaType,
  pushToRegistry,
  sha256Digest,
  type BuiltImage,
} from '../../../src/oci';
import { startRegistry, type TestRegistry } from './registry-fixture';
import { referrerFor } from './artifacts';

const failed =
  (code: string, pattern?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.code === code && (!pattern || pattern.test(e.message));

let registry: TestRegistry | undefined;
let skip: string | undefined;
let work: string;
const run = randomBytes(4).toString('hex');
const repo = `mirror-test-${run}/app`;
let image: BuiltImage;

before(async () => {
  const started = await startRegistry();
  if ('skip' in started) skip = started.skip;
  else registry = started;
  work = mkdtempSync(join(tmpdir(), 'mirror-registry-test-'));
  image = await buildImage({
    files: [{ path: '/codebundle/codebundle.yaml', content: `name: t-${run}\n` }],
    symlinks: [{ path: '/bin/sh', target: 'busybox' }],
    layers: [{ random: { seed: `${run}-a`, size: 3 * 1024 * 1024 } }, { random: { seed: `${run}-b`, size: 1024 * 1024 + 17 } }],
    config: { user: '65534', labels: { 'io.airgap-runner.codebundle': '/codebundle/codebundle.yaml' } },
    outDir: join(work, 'blobs'),
    gzipLevel: 1,
  });
  if (registry) await pushToRegistry(registry.baseUrl, repo, image, '1.0.0', { chunkSize: 1024 * 1024 });
});

after(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function open(options = {}): Promise<RegistrySource> {
  return await RegistrySource.open((registry as TestRegistry).url, options);
}

describe('registry source (real docker-registry)', () => {
  test('resolve by tag and by digest; plain HTTP on loopback is reported', async (t) => {
    if (skip) return t.skip(skip);
    const source = await open();
    t.after(() => source.close());
    assert.deepEqual(source.describe(), { kind: 'registry', location: (registry as TestRegistry).url, insecure: true, transport: 'http' });
    const byTag = await source.resolve(repo, '1.0.0');
    assert.equal(byTag.digest, image.manifestDigest);
    assert.equal(byTag.mediaType, MediaType.ociManifest);
    assert.deepEqual(byTag.bytes, image.manifestBytes);
    const byDigest = await source.getManifest(repo, image.manifestDigest);
    assert.equal(byDigest.digest, image.manifestDigest);
    await assert.rejects(source.resolve(repo, 'no-such-tag'), failed('NOT_FOUND', /was not found/));
    await assert.rejects(source.resolve(`mirror-test-${run}/nothing`, '1'), failed('NOT_FOUND'));
  });

  test('catalog and tags are read across pages (n=2)', async (t) => {
    if (skip) return t.skip(skip);
    const reg = registry as TestRegistry;
    const tiny = await buildImage({ files: [{ path: '/x', content: 'x' }], config: {} });
    for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) await pushToRegistry(reg.baseUrl, `paging-${run}/${name}`, tiny, 'v1');
    for (const tag of ['a', 'b', 'c', 'd', 'e']) await pushToRegistry(reg.baseUrl, `paging-${run}/r1`, tiny, tag);
    // The registry really pages at n=2 (so the Link header is what brings the rest).
    const page = await fetch(`${reg.baseUrl}/v2/_catalog?n=2`);
    assert.equal(((await page.json()) as { repositories: string[] }).repositories.length, 2);
    assert.match(page.headers.get('link') ?? '', /rel="next"/);

    const prefixed = await RegistrySource.open(`${reg.url}/paging-${run}`, { pageSize: 2 });
    t.after(() => prefixed.close());
    assert.deepEqual(await prefixed.listRepositories(), ['r1', 'r2', 'r3', 'r4', 'r5']);
    assert.deepEqual((await prefixed.listTags('r1')).sort(), ['a', 'b', 'c', 'd', 'e', 'v1']);
    assert.equal((await prefixed.resolve('r1', 'c')).digest, tiny.manifestDigest);

    const all = await open({ pageSize: 2 });
    t.after(() => all.close());
    const repos = await all.listRepositories();
    assert.ok(repos.includes(repo) && repos.includes(`paging-${run}/r5`));
    t.diagnostic(reg.own ? 'private docker-registry' : `shared registry ${reg.authority} (AIRGAP_TEST_REGISTRY)`);
  });

  test('blobs stream to disk with size and digest checked, with progress', async (t) => {
    if (skip) return t.skip(skip);
    const source = await open();
    t.after(() => source.close());
    for (const layer of image.layers) {
      const dest = join(work, `got-${digestHex(layer.digest)}`);
      let last = 0;
      await source.fetchBlobTo(repo, layer.digest, layer.size, dest, {
        onProgress: (received, total) => {
          last = received;
          assert.equal(total, layer.size);
        },
      });
      assert.equal(last, layer.size);
      assert.equal(sha256Digest(readFileSync(dest)), layer.digest);
    }
  });

  test('a wrong expected size is refused before or while streaming; nothing is left behind', async (t) => {
    if (skip) return t.skip(skip);
    const source = await open();
    t.after(() => source.close());
    const layer = image.layers[1];
    assert.ok(layer);
    for (const size of [layer.size - 1, layer.size + 1]) {
      const dest = join(work, `wrong-size-${size}`);
      await assert.rejects(source.fetchBlobTo(repo, layer.digest, size, dest), failed('VERIFY_FAILED', /declares/));
      assert.equal(existsSync(dest), false);
    }
    await assert.rejects(source.fetchBlobTo(repo, `sha256:${'0'.repeat(64)}`, 10, join(work, 'absent')), failed('NOT_FOUND'));
  });

  test('a blob corrupted in the registry storage is detected by its digest', async (t) => {
    if (skip) return t.skip(skip);
    let reg = registry as TestRegistry;
    if (!reg.storageDir) {
      // The shared registry's storage is not ours to damage: use a private instance for this one.
      const own = await startRegistry({ private: true });
      if ('skip' in own) return t.skip(own.skip);
      t.after(() => own.stop());
      reg = own;
    }
    const victim = await buildImage({ layers: [{ random: { seed: `${run}-victim`, size: 256 * 1024 } }], config: {} });
    await pushToRegistry(reg.baseUrl, `${repo}-victim`, victim, 'v1');
    const layer = victim.layers[0];
    assert.ok(layer?.buffer);
    const hex = digestHex(layer.digest);
    assert.ok(reg.storageDir);
    const stored = join(reg.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(stored);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff; // same size, one byte flipped
    writeFileSync(stored, bytes);
    const source = await RegistrySource.open(reg.url);
    t.after(() => source.close());
    const dest = join(work, 'corrupt');
    await assert.rejects(
      source.fetchBlobTo(`${repo}-victim`, layer.digest, layer.size, dest),
      failed('VERIFY_FAILED', /does not match its digest/),
    );
    assert.equal(existsSync(dest), false);
  });

  test('referrers: OCI 1.1 API when the registry has it, else the sha256-<hex> fallback tag', async (t) => {
    if (skip) return t.skip(skip);
    const reg = registry as TestRegistry;
    const referrer = referrerFor(image);
    await pushToRegistry(reg.baseUrl, repo, referrer);
    const descriptor = {
      mediaType: referrer.mediaType,
      digest: referrer.manifestDigest,
      size: referrer.manifestBytes.length,
      artifactType: MediaType.sigstoreBundle,
    };
    const index = artifactFromManifest({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [descriptor] });
    await pushToRegistry(reg.baseUrl, repo, index, `sha256-${digestHex(image.manifestDigest)}`);

    const source = await open();
    t.after(() => source.close());
    const found = await source.listReferrers(repo, image.manifestDigest, MediaType.sigstoreBundle);
    assert.ok(['referrers-api', 'fallback-tag'].includes(found.via));
    t.diagnostic(`referrers found via ${found.via}`);
    assert.deepEqual(
      found.manifests.map((m) => m.digest),
      [referrer.manifestDigest],
    );
    assert.deepEqual((await source.listReferrers(repo, image.manifestDigest, 'application/x-other')).manifests, []);
    const none = await source.listReferrers(repo, image.layers[0]?.digest as string);
    assert.deepEqual(none.manifests, []);
  });

  test('multi-arch index: the linux/amd64 manifest is selected (or the platform asked for)', async (t) => {
    if (skip) return t.skip(skip);
    const reg = registry as TestRegistry;
    const arm = await buildImage({
      files: [{ path: '/arch', content: 'arm64' }],
      config: {},
      platform: { os: 'linux', architecture: 'arm64' },
    });
    const amd = await buildImage({ files: [{ path: '/arch', content: 'amd64' }], config: {} });
    await pushToRegistry(reg.baseUrl, `${repo}-multi`, arm);
    await pushToRegistry(reg.baseUrl, `${repo}-multi`, amd);
    const entry = (img: BuiltImage, architecture: string) => ({
      mediaType: img.mediaType,
      digest: img.manifestDigest,
      size: img.manifestBytes.length,
      platform: { os: 'linux', architecture },
    });
    const index = artifactFromManifest({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [entry(arm, 'arm64'), entry(amd, 'amd64')],
    });
    await pushToRegistry(reg.baseUrl, `${repo}-multi`, index, 'multi');

    const source = await open();
    t.after(() => source.close());
    const resolved = await source.resolve(`${repo}-multi`, 'multi');
    assert.equal(resolved.mediaType, MediaType.ociIndex);
    const chosen = await resolvePlatformManifest(source, resolved);
    assert.equal(chosen.index?.digest, index.manifestDigest);
    assert.equal(chosen.manifest.digest, amd.manifestDigest);
    assert.equal(
      (await resolvePlatformManifest(source, resolved, { os: 'linux', architecture: 'arm64' })).manifest.digest,
      arm.manifestDigest,
    );
    await assert.rejects(
      resolvePlatformManifest(source, resolved, { os: 'linux', architecture: 's390x' }),
      failed('NOT_FOUND', /no image for linux\/s390x/),
    );
  });

  test('skopeo accepts what we pushed (the registry content is standard)', async (t) => {
    if (skip) return t.skip(skip);
    if (spawnSync('skopeo', ['--version']).error) return t.skip('skopeo is not installed');
    const reg = registry as TestRegistry;
    const inspected = JSON.parse(
      execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.authority}/${repo}:1.0.0`]).toString(),
    ) as { Digest: string; Layers: string[]; Labels: Record<string, string> };
    assert.equal(inspected.Digest, image.manifestDigest);
    assert.deepEqual(
      inspected.Layers,
      image.layers.map((l) => l.digest),
    );
    assert.equal(inspected.Labels['io.airgap-runner.codebundle'], '/codebundle/codebundle.yaml');
    // A full copy out of the registry verifies every blob against the manifest.
    execFileSync(
      'skopeo',
      ['copy', '--src-tls-verify=false', `docker://${reg.authority}/${repo}:1.0.0`, `oci:${join(work, 'skopeo-copy')}:x`],
      { stdio: 'ignore' },
    );
    assert.ok(existsSync(join(work, 'skopeo-copy', 'blobs', 'sha256', digestHex(image.layers[1]?.digest as string))));
    assert.ok(artifactFromImage(image).blobs.length === 4);
  });
});
