/**
 * ArchiveSource round trips (docker-save and OCI-layout tarballs, plain and gzip) and refusals of
 * archives whose entries escape their folder, with nothing left in staging.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ApiError } from '../../../src/kernel';
import { ArchiveSource, openMirrorSource } from '../../../src/mirror';
import {
  artifactFromImage,
  buildImage,
  digestHex,
  imageBlobs,
  imageManifestSchema,
  MediaType,
  sha256Digest,
  tarStream,
  TarError,
  writeDockerSaveTar,
  writeOciLayout,
  type BuiltImage,
} from '../../../src/oci';
import { encodeHeader, padding } from '../../../src/oci/tar/header';
import { referrerFor } from './artifacts';

const failed =
  (code: string, pattern?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.code === code && (!pattern || pattern.test(e.message));

let work: string;
let staging: string;
let image: BuiltImage;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mirror-archive-test-'));
  staging = join(work, 'staging');
  mkdirSync(staging);
  image = await buildImage({
    files: [{ path: '/codebundle/codebundle.yaml', content: 'name: arch\n' }],
    layers: [{ random: { seed: 'archive', size: 300 * 1024 } }],
    config: { labels: { 'io.airgap-runner.codebundle': '/codebundle/codebundle.yaml' } },
  });
});

after(() => rmSync(work, { recursive: true, force: true }));

function assertStagingEmpty(): void {
  assert.deepEqual(readdirSync(staging), [], 'nothing may be left in staging');
}

describe('archive source', () => {
  test('docker-save archive: listed, synthetic manifest, blobs verified, staging removed on close', async () => {
    const file = join(work, 'saved.tar');
    const { imageId } = await writeDockerSaveTar(file, {
      configBytes: image.configBytes,
      layers: imageBlobs(image).slice(1),
      repoTags: ['samples/arch:1.0.0'],
    });
    assert.equal(imageId, image.configDigest);
    // GNU tar sees the layout docker load expects.
    const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n');
    assert.ok(listing.includes('manifest.json') && listing.includes(`${digestHex(image.configDigest)}.json`));

    const source = await openMirrorSource(`archive:${file}`, { stagingParent: staging });
    assert.deepEqual(source.describe(), { kind: 'archive', location: `archive:${file}`, insecure: false, format: 'docker-save' });
    assert.deepEqual(await source.listRepositories(), ['samples/arch']);
    assert.deepEqual(await source.listTags('samples/arch'), ['1.0.0']);
    const resolved = await source.resolve('samples/arch', '1.0.0');
    assert.equal(resolved.synthetic, true);
    const manifest = imageManifestSchema.parse(JSON.parse(resolved.bytes.toString('utf8')));
    assert.equal(manifest.config.digest, image.configDigest);
    assert.deepEqual(
      manifest.layers.map((l) => [l.digest, l.mediaType]),
      image.layers.map((l) => [l.digest, MediaType.dockerLayerGzip]),
    );
    assert.equal((await source.getManifest('samples/arch', resolved.digest)).digest, resolved.digest);
    for (const blob of [manifest.config, ...manifest.layers]) {
      const dest = join(work, `docker-${digestHex(blob.digest)}`);
      await source.fetchBlobTo('samples/arch', blob.digest, blob.size, dest);
      assert.equal(sha256Digest(readFileSync(dest)), blob.digest);
    }
    assert.deepEqual(await source.listReferrers('samples/arch', resolved.digest), { manifests: [], via: 'none' });
    assert.equal(readdirSync(staging).length, 1);
    await source.close();
    assertStagingEmpty();
  });

  for (const variant of ['tar (our writer)', 'tar.gz (our writer)', 'tar (GNU tar)']) {
    test(`OCI-layout tarball, ${variant}: manifests and referrers as in the layout`, async (t) => {
      const dir = join(work, `layout-${variant.replace(/\W+/g, '-')}`);
      const referrer = referrerFor(image);
      await writeOciLayout(dir, [{ artifact: artifactFromImage(image), refs: ['samples/arch:1.0.0'] }, { artifact: referrer }]);
      const file = join(work, `${variant.replace(/\W+/g, '-')}.tar`);
      if (variant.includes('GNU')) execFileSync('tar', ['-cf', file, '-C', dir, '.']);
      else {
        const names = ['oci-layout', 'index.json', ...readdirSync(join(dir, 'blobs', 'sha256')).map((n) => `blobs/sha256/${n}`)];
        const entries = names.map((name) => ({
          type: 'file' as const,
          path: name,
          size: readFileSync(join(dir, name)).length,
          body: { path: join(dir, name) },
        }));
        const out = createWriteStream(file);
        if (variant.includes('gz')) await pipeline(Readable.from(tarStream(entries)), createGzip(), out);
        else await pipeline(Readable.from(tarStream(entries)), out);
      }
      const source = await ArchiveSource.open(file, { stagingParent: staging });
      t.after(async () => {
        await source.close();
        assertStagingEmpty();
      });
      assert.equal(source.describe().format, 'oci-layout');
      const resolved = await source.resolve('samples/arch', '1.0.0');
      assert.equal(resolved.digest, image.manifestDigest);
      assert.equal(resolved.synthetic, undefined);
      const layer = image.layers[1];
      assert.ok(layer);
      await source.fetchBlobTo('samples/arch', layer.digest, layer.size, join(work, `l-${variant.replace(/\W+/g, '-')}`));
      const referrers = await source.listReferrers('samples/arch', image.manifestDigest);
      assert.deepEqual(
        referrers.manifests.map((m) => m.digest),
        [referrer.manifestDigest],
      );
    });
  }

  /** A docker-save-looking archive with one hostile entry added. */
  function hostile(entry: { name: string; typeflag: string; linkname?: string; data?: Buffer }): string {
    const manifest = Buffer.from('[]');
    const parts: Buffer[] = [];
    for (const e of [{ name: 'manifest.json', typeflag: '0', data: manifest }, entry]) {
      const data = e.data ?? Buffer.alloc(0);
      parts.push(
        encodeHeader({ name: e.name, mode: 0o644, size: data.length, mtime: 0, typeflag: e.typeflag, linkname: e.linkname }),
        data,
        Buffer.alloc(padding(data.length)),
      );
    }
    parts.push(Buffer.alloc(1024));
    const file = join(work, `hostile-${Math.random().toString(36).slice(2)}.tar`);
    writeFileSync(file, Buffer.concat(parts));
    return file;
  }

  const cases: [string, { name: string; typeflag: string; linkname?: string; data?: Buffer }, string][] = [
    ['"../" entry', { name: '../../evil.sh', typeflag: '0', data: Buffer.from('x') }, 'traversal'],
    ['nested "../" entry', { name: 'blobs/../../evil.sh', typeflag: '0', data: Buffer.from('x') }, 'traversal'],
    ['absolute path', { name: '/tmp/evil.sh', typeflag: '0', data: Buffer.from('x') }, 'absolute-path'],
    ['symlink', { name: 'blobs', typeflag: '2', linkname: '/etc' }, 'symlink'],
    ['hard link', { name: 'passwd', typeflag: '1', linkname: '/etc/passwd' }, 'hard-link'],
    ['device node', { name: 'dev', typeflag: '3' }, 'special-file'],
  ];
  for (const [label, entry, reason] of cases) {
    test(`an archive with a ${label} is refused and nothing is left behind`, async () => {
      const file = hostile(entry);
      await assert.rejects(
        ArchiveSource.open(file, { stagingParent: staging }),
        (e: unknown) => e instanceof TarError && e.reason === reason && e.code === 'VERIFY_FAILED',
      );
      assertStagingEmpty();
      assert.equal(existsSync(join(work, '..', 'evil.sh')), false);
    });
  }

  test('truncated and non-archive files are refused with a clear error; nothing left behind', async () => {
    const file = join(work, 'saved.tar');
    const truncated = join(work, 'truncated.tar');
    writeFileSync(truncated, readFileSync(file).subarray(0, 5000));
    await assert.rejects(
      ArchiveSource.open(truncated, { stagingParent: staging }),
      (e: unknown) => e instanceof TarError && e.reason === 'truncated',
    );
    const gz = join(work, 'broken.tar.gz');
    writeFileSync(gz, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(100, 7)]));
    await assert.rejects(ArchiveSource.open(gz, { stagingParent: staging }), failed('VERIFY_FAILED'));
    const empty = join(work, 'empty-ok.tar');
    writeFileSync(empty, Buffer.alloc(1024));
    await assert.rejects(
      ArchiveSource.open(empty, { stagingParent: staging }),
      failed('VERIFY_FAILED', /neither a docker save archive nor an OCI-layout tarball/),
    );
    await assert.rejects(ArchiveSource.open(join(work, 'absent.tar'), { stagingParent: staging }), failed('NOT_FOUND'));
    assertStagingEmpty();
  });
});
