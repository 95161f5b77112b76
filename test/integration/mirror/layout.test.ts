/**
 * OciLayoutSource round trips: written with writeOciLayout, read back, checked by skopeo, and
 * refused when the folder was tampered with (symlinked blobs, swapped bytes, oversized manifests).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../src/kernel';
import { OciLayoutSource, openMirrorSource } from '../../../src/mirror';
import {
  artifactFromImage,
  buildImage,
  digestHex,
  MediaType,
  sha256Digest,
  writeOciLayout,
  type BuiltImage,
  type OciArtifact,
} from '../../../src/oci';
import { referrerFor } from './artifacts';

const failed =
  (code: string, pattern?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.code === code && (!pattern || pattern.test(e.message));

let work: string;
let layout: string;
let image: BuiltImage;
let other: BuiltImage;
let referrer: OciArtifact;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mirror-layout-test-'));
  layout = join(work, 'layout');
  image = await buildImage({
    files: [{ path: '/codebundle/codebundle.yaml', content: 'name: a\n' }],
    layers: [{ random: { seed: 'layout', size: 512 * 1024 } }],
    config: { labels: { 'io.airgap-runner.codebundle': '/codebundle/codebundle.yaml' } },
  });
  other = await buildImage({ files: [{ path: '/b', content: 'b' }], config: {} });
  referrer = referrerFor(image);
  await writeOciLayout(layout, [{ artifact: artifactFromImage(image), refs: ['samples/a:1.0.0'] }, { artifact: referrer }]);
  // A second write adds to the layout (a bare tag goes to the repository "default").
  await writeOciLayout(layout, [{ artifact: artifactFromImage(other), refs: ['latest', 'samples/b:2'] }]);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('OCI layout source', () => {
  test('lists, resolves, streams blobs and finds referrers by subject', async (t) => {
    const source = await openMirrorSource(`oci:${layout}`);
    t.after(() => source.close());
    assert.equal(source.describe().kind, 'oci-layout');
    assert.deepEqual(await source.listRepositories(), ['default', 'samples/a', 'samples/b']);
    assert.deepEqual(await source.listTags('samples/a'), ['1.0.0']);
    const resolved = await source.resolve('samples/a', '1.0.0');
    assert.equal(resolved.digest, image.manifestDigest);
    assert.equal((await source.resolve('default', 'latest')).digest, other.manifestDigest);
    assert.equal((await source.getManifest('samples/a', image.manifestDigest)).digest, image.manifestDigest);
    await assert.rejects(source.resolve('samples/a', '9.9'), failed('NOT_FOUND'));
    await assert.rejects(source.listTags('nope'), failed('NOT_FOUND'));

    for (const blob of artifactFromImage(image).blobs) {
      const dest = join(work, `out-${digestHex(blob.digest)}`);
      await source.fetchBlobTo('samples/a', blob.digest, blob.size, dest);
      assert.equal(sha256Digest(readFileSync(dest)), blob.digest);
    }
    const layer = image.layers[1];
    assert.ok(layer);
    await assert.rejects(
      source.fetchBlobTo('samples/a', layer.digest, layer.size + 1, join(work, 'x')),
      failed('VERIFY_FAILED', /declares/),
    );
    assert.equal(existsSync(join(work, 'x')), false);

    const referrers = await source.listReferrers('samples/a', image.manifestDigest, MediaType.sigstoreBundle);
    assert.equal(referrers.via, 'layout');
    assert.deepEqual(
      referrers.manifests.map((m) => [m.digest, m.artifactType]),
      [[referrer.manifestDigest, MediaType.sigstoreBundle]],
    );
    assert.deepEqual((await source.listReferrers('samples/b', other.manifestDigest)).manifests, []);
  });

  test('skopeo reads the layout we wrote', (t) => {
    if (spawnSync('skopeo', ['--version']).error) return t.skip('skopeo is not installed');
    const out = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${layout}:samples/a:1.0.0`]).toString()) as { Digest: string };
    assert.equal(out.Digest, image.manifestDigest);
  });

  test('a symlinked blob is refused (no reading outside the layout)', async (t) => {
    const copy = join(work, 'symlinked');
    cpSync(layout, copy, { recursive: true });
    t.after(() => rmSync(copy, { recursive: true, force: true }));
    const layer = image.layers[0];
    assert.ok(layer);
    const path = join(copy, 'blobs', 'sha256', digestHex(layer.digest));
    unlinkSync(path);
    symlinkSync('/etc/passwd', path);
    const manifestPath = join(copy, 'blobs', 'sha256', digestHex(image.manifestDigest));
    renameSync(manifestPath, `${manifestPath}.real`);
    symlinkSync(`${manifestPath}.real`, manifestPath);
    const source = await OciLayoutSource.open(copy);
    t.after(() => source.close());
    await assert.rejects(
      source.fetchBlobTo('samples/a', layer.digest, layer.size, join(work, 'leak')),
      failed('VERIFY_FAILED', /symbolic link/),
    );
    await assert.rejects(source.resolve('samples/a', '1.0.0'), failed('VERIFY_FAILED', /symbolic link/));
    assert.equal(existsSync(join(work, 'leak')), false);
  });

  test('a blobs folder that is a symlink is refused at open', async (t) => {
    const copy = join(work, 'linked-dir');
    cpSync(layout, copy, { recursive: true });
    t.after(() => rmSync(copy, { recursive: true, force: true }));
    renameSync(join(copy, 'blobs'), join(work, 'elsewhere-blobs'));
    t.after(() => rmSync(join(work, 'elsewhere-blobs'), { recursive: true, force: true }));
    symlinkSync(join(work, 'elsewhere-blobs'), join(copy, 'blobs'));
    await assert.rejects(OciLayoutSource.open(copy), failed('VERIFY_FAILED', /is a link/));
  });

  test('swapped blob bytes and an oversized manifest are refused', async (t) => {
    const copy = join(work, 'tampered');
    cpSync(layout, copy, { recursive: true });
    t.after(() => rmSync(copy, { recursive: true, force: true }));
    const layer = image.layers[1];
    assert.ok(layer);
    const path = join(copy, 'blobs', 'sha256', digestHex(layer.digest));
    const bytes = readFileSync(path);
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    const source = await OciLayoutSource.open(copy);
    t.after(() => source.close());
    await assert.rejects(
      source.fetchBlobTo('samples/a', layer.digest, layer.size, join(work, 'bad')),
      failed('VERIFY_FAILED', /does not match its digest/),
    );
    const manifestPath = join(copy, 'blobs', 'sha256', digestHex(image.manifestDigest));
    writeFileSync(manifestPath, Buffer.concat([readFileSync(manifestPath), Buffer.alloc(100, 0x20)]));
    await assert.rejects(source.resolve('samples/a', '1.0.0'), failed('VERIFY_FAILED', /does not match/));
    const capped = await OciLayoutSource.open(copy, { manifestMaxBytes: 100 });
    await assert.rejects(capped.resolve('samples/a', '1.0.0'), failed('VERIFY_FAILED', /larger than 100 bytes/));
  });

  test('a folder that is not a layout is refused with a clear error', async () => {
    await assert.rejects(OciLayoutSource.open(join(work, 'missing')), failed('NOT_FOUND'));
    await assert.rejects(OciLayoutSource.open(work), failed('NOT_FOUND', /Is it an OCI image layout/));
  });
});

test('one bad index.json entry: the good entries are listed, the bad one is named (issue 13)', async (t) => {
  const dir = join(work, 'one-bad-entry');
  cpSync(layout, dir, { recursive: true });
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<Record<string, unknown>> };
  const good = index.manifests.length;
  // A hand-edited entry: a digest that is not sha256 + 64 hex, with a tag of its own.
  index.manifests.push({
    mediaType: MediaType.ociManifest,
    digest: 'sha256:not-hex',
    size: 10,
    annotations: { 'org.opencontainers.image.ref.name': 'samples/broken:1.0.0' },
  });
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));

  const source = await openMirrorSource(`oci:${dir}`);
  t.after(() => source.close());
  assert.deepEqual(await source.listRepositories(), ['default', 'samples/a', 'samples/b'], 'the good entries are listed');
  assert.deepEqual(await source.listTags('samples/a'), ['1.0.0']);
  const problems = source.describe().problems ?? [];
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, new RegExp(`index\\.json entry ${good + 1} \\(samples/broken:1\\.0\\.0\\) is invalid: digest`));
  // Asking for the broken one says why, rather than "not found".
  await assert.rejects(
    source.resolve('samples/broken', '1.0.0'),
    failed('VERIFY_FAILED', new RegExp(`index\\.json entry ${good + 1} \\(samples/broken:1\\.0\\.0\\) is invalid`)),
  );
  // The good image still resolves.
  assert.equal((await source.resolve('samples/a', '1.0.0')).digest, image.manifestDigest);
});
