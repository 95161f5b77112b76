/**
 * Every refusal of issue 4's list, through the real registry and engine where it matters: a clear
 * error, and nothing loaded into the engine, nothing left in staging, nothing recorded, the refusal
 * audited.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerEngine } from '../../../src/engine';
import {
  artifactFromImage,
  buildImage,
  digestHex,
  sha256Digest,
  writeDockerSaveTar,
  writeOciLayout,
  type BuiltImage,
} from '../../../src/oci';
import { encodeHeader, padding } from '../../../src/oci/tar/header';
import { CODEBUNDLE_DEFAULT_PATH, CODEBUNDLE_LABEL } from '../../../src/bundles';
import { layoutEntries } from '../../../samples/tools/build-mirror';
import type { TestRegistry } from '../mirror/registry-fixture';
import {
  assertNothingLeft,
  bundleImage,
  classicArtifact,
  codebundleYaml,
  importCore,
  push,
  refused,
  signed,
  testEngine,
  TRUSTED_KEY,
  unique,
  UNTRUSTED_KEY,
  type ImportCore,
  openWorkspace,
  closeWorkspace,
} from './fixture';

let work: string;
let registry: TestRegistry | undefined;
let skip: string | undefined;

before(async () => {
  ({ work, registry, skip } = await openWorkspace('import-refusals-'));
});

after(() => closeWorkspace(registry, work));

/** A signed image in its own OCI layout; returns the source and ref. */
async function signedLayout(built: {
  name: string;
  version: string;
  image: BuiltImage;
}): Promise<{ source: string; ref: string; dir: string }> {
  const repo = `tests/${built.name}`;
  const dir = join(work, unique('layout'));
  await writeOciLayout(dir, layoutEntries(await signed(repo, built)));
  return { source: `oci:${dir}`, ref: `${repo}:${built.version}`, dir };
}

async function expectRefused(
  c: ImportCore,
  built: { name: string; image: BuiltImage },
  input: Record<string, unknown>,
  code: string,
  pattern: RegExp,
): Promise<string> {
  c.loaded.push(built.image.configDigest);
  const message = await refused(c.op('bundles.import', input), code, pattern);
  await assertNothingLeft(c, built.image, built.name, code);
  return message;
}

describe('refused imports leave nothing loaded, staged or recorded', () => {
  test('a corrupted layer (same size, other bytes) is refused while streaming', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage({ layers: [{ random: { seed: unique(), size: 512 * 1024 } }] });
    const { source, ref, dir } = await signedLayout(built);
    const layer = built.image.layers[1]!;
    const path = join(dir, 'blobs', 'sha256', digestHex(layer.digest));
    const bytes = readFileSync(path);
    const middle = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(path, bytes);
    await expectRefused(c, built, { source, ref }, 'VERIFY_FAILED', /does not match its digest/);
  });

  test('a corrupted layer below codebundle.yaml (streamed straight to the engine, never staged) is refused, and the engine keeps nothing', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    // Data at the bottom, the bundle's own files on top: the data layer goes to the engine as it is read.
    const image = await buildImage({
      layers: [
        { random: { seed: unique(), size: 768 * 1024, path: '/data/blob' } },
        { files: [{ path: '/codebundle/codebundle.yaml', content: codebundleYaml(name) }] },
      ],
      config: { user: '65534:65534', labels: { [CODEBUNDLE_LABEL]: CODEBUNDLE_DEFAULT_PATH } },
    });
    const built = { name, version: '1.0.0', image };
    const { source, ref, dir } = await signedLayout(built);
    const layer = image.layers[0]!;
    const path = join(dir, 'blobs', 'sha256', digestHex(layer.digest));
    const bytes = readFileSync(path);
    // The very last byte: everything before it is what the signed manifest says.
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(path, bytes);
    await expectRefused(c, built, { source, ref }, 'VERIFY_FAILED', /does not match its digest/);
  });

  test('a signature by a key that is not a trust root', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const repo = `tests/${built.name}`;
    await push(registry, repo, built.image, '1.0.0');
    const sig = classicArtifact(built.image.manifestDigest, UNTRUSTED_KEY);
    await push(registry, repo, sig.artifact, sig.tag);
    await expectRefused(
      c,
      built,
      { source: registry.url, ref: `${repo}:1.0.0` },
      'VERIFY_FAILED',
      /verifies with none of the 1 trusted key/,
    );
  });

  test('a valid signature for another digest (a moved tag, a copied signature)', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const other = await bundleImage();
    const repo = `tests/${built.name}`;
    await push(registry, repo, built.image, '1.0.0');
    const sig = classicArtifact(other.image.manifestDigest, TRUSTED_KEY);
    await push(registry, repo, sig.artifact, classicArtifact(built.image.manifestDigest, TRUSTED_KEY).tag);
    await expectRefused(c, built, { source: registry.url, ref: `${repo}:1.0.0` }, 'VERIFY_FAILED', /signature is for another image digest/);
  });

  test('an unsigned image', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const repo = `tests/${built.name}`;
    await push(registry, repo, built.image, '1.0.0');
    await expectRefused(c, built, { source: registry.url, ref: `${repo}:1.0.0` }, 'VERIFY_FAILED', /is unsigned/);
  });

  test('a revoked digest (revoked before anyone imported it)', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const { source, ref } = await signedLayout(built);
    await c.admin('bundles.revoke', { digest: built.image.manifestDigest, reason: 'publisher withdrew it' });
    await expectRefused(c, built, { source, ref }, 'POLICY_DENIED', /was revoked by user:admin .*publisher withdrew it/);
  });

  test('a name@version already imported with another image is CONFLICT', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const first = await bundleImage({ name });
    c.loaded.push(first.image.configDigest);
    const a = await signedLayout(first);
    await c.op('bundles.import', { source: a.source, ref: a.ref });
    const second = await bundleImage({ name, files: [{ path: '/codebundle/extra.txt', content: 'different content, same name@version' }] });
    const b = await signedLayout(second);
    c.loaded.push(second.image.configDigest);
    await refused(
      c.op('bundles.import', { source: b.source, ref: b.ref }),
      'CONFLICT',
      new RegExp(`${name}@1.0.0 is already in the catalog as ${first.image.manifestDigest}`),
    );
    assert.equal(await c.engine.inspectImage(second.image.configDigest), null, 'the second image is not loaded');
    assert.equal((await c.engine.inspectImage(first.image.configDigest))?.id, first.image.configDigest, 'the first stays');
    const bundles = (await c.op('bundles.list')).bundles.filter((x) => x.name === name);
    assert.deepEqual(
      bundles.map((x) => x.digest),
      [first.image.manifestDigest],
    );
  });

  /** A docker-save-looking archive with one hostile entry. */
  function hostileArchive(entry: { name: string; typeflag: string; linkname?: string; data?: Buffer }): string {
    const parts: Buffer[] = [];
    for (const e of [{ name: 'manifest.json', typeflag: '0', data: Buffer.from('[]') }, entry]) {
      const data = e.data ?? Buffer.alloc(0);
      parts.push(
        encodeHeader({ name: e.name, mode: 0o644, size: data.length, mtime: 0, typeflag: e.typeflag, linkname: e.linkname }),
        data,
        Buffer.alloc(padding(data.length)),
      );
    }
    parts.push(Buffer.alloc(1024));
    const file = join(work, `${unique('hostile')}.tar`);
    writeFileSync(file, Buffer.concat(parts));
    return file;
  }

  for (const [label, entry, pattern] of [
    ['"../" entry', { name: '../../evil.sh', typeflag: '0', data: Buffer.from('x') }, /escapes its folder/],
    ['absolute path', { name: '/tmp/evil.sh', typeflag: '0', data: Buffer.from('x') }, /absolute path/],
    ['symlink', { name: 'blobs', typeflag: '2', linkname: '/etc' }, /symbolic link/],
    ['hard link', { name: 'passwd', typeflag: '1', linkname: '/etc/passwd' }, /hard link/],
  ] as const) {
    test(`an archive with a ${label} is refused as a whole`, async (t) => {
      if (skip) return t.skip(skip);
      const c = await importCore();
      t.after(() => c.cleanup());
      const built = await bundleImage();
      await expectRefused(c, built, { source: `archive:${hostileArchive(entry)}`, ref: 'tests/any:1.0.0' }, 'VERIFY_FAILED', pattern);
    });
  }

  test('an oversized manifest (over 4 MiB) is refused before it is read', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const image = await buildImage({
      files: [{ path: '/codebundle/codebundle.yaml', content: codebundleYaml(name) }],
      config: { labels: { 'io.airgap-runner.codebundle': '/codebundle/codebundle.yaml' } },
      annotations: { padding: 'x'.repeat(5 * 1024 * 1024) },
    });
    const built = { name, version: '1.0.0', image };
    const dir = join(work, unique('big'));
    await writeOciLayout(dir, [{ artifact: artifactFromImage(image), refs: [`tests/${name}:1.0.0`] }]);
    await expectRefused(c, built, { source: `oci:${dir}`, ref: `tests/${name}:1.0.0` }, 'VERIFY_FAILED', /larger than 4194304 bytes/);
  });

  test('an oversized codebundle.yaml (signed) is refused without being read', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const built = await bundleImage({ name, yaml: `${codebundleYaml(name)}\n# ${'x'.repeat(70 * 1024)}\n` });
    const { source, ref } = await signedLayout(built);
    await expectRefused(
      c,
      built,
      { source, ref },
      'INVALID_INPUT',
      /codebundle\.yaml is invalid: the file is \d+ bytes, more than the 65536 allowed/,
    );
  });

  test('a codebundle.yaml failing the schema: the error names the field', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const built = await bundleImage({ name, yaml: codebundleYaml(name).replace('    access: read-only', '    access: everything') });
    const { source, ref } = await signedLayout(built);
    await expectRefused(c, built, { source, ref }, 'INVALID_INPUT', /tasks\[0\]\.access: expected one of read-only, read-write/);
  });

  test('an image without the CodeBundle label, or whose label points at nothing', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const unlabelled = await bundleImage({ label: null });
    const a = await signedLayout(unlabelled);
    await expectRefused(c, unlabelled, { source: a.source, ref: a.ref }, 'INVALID_INPUT', /has no "io\.airgap-runner\.codebundle" label/);
    const misplaced = await bundleImage({ label: '/elsewhere/codebundle.yaml' });
    const b = await signedLayout(misplaced);
    await expectRefused(
      c,
      misplaced,
      { source: b.source, ref: b.ref },
      'VERIFY_FAILED',
      /no codebundle\.yaml at \/elsewhere\/codebundle\.yaml/,
    );
  });

  test('a signed manifest of an unknown media type is refused by name, though its config and layers are ordinary', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const odd = 'application/vnd.example.unknown.manifest.v1+json';
    const manifestBytes = Buffer.from(JSON.stringify({ ...built.image.manifest, mediaType: odd }));
    const image: BuiltImage = { ...built.image, mediaType: odd, manifestBytes, manifestDigest: sha256Digest(manifestBytes) };
    const { source, ref } = await signedLayout({ ...built, image });
    const message = await expectRefused(c, { ...built, image }, { source, ref }, 'VERIFY_FAILED', /media type/);
    assert.match(message, new RegExp(`has the media type ${odd.replace(/[.+]/g, '\\$&')}, which is not an image manifest`));
    assert.match(message, /application\/vnd\.oci\.image\.manifest\.v1\+json/);
  });

  test('an image built for another architecture than the engine', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage({ architecture: 'arm64' });
    const { source, ref } = await signedLayout(built);
    await expectRefused(c, built, { source, ref }, 'VERIFY_FAILED', /built for arm64, but the container engine runs amd64/);
  });

  test('an engine that reports another image id than the config digest: the loaded image is removed again', async (t) => {
    if (skip) return t.skip(skip);
    const real = testEngine();
    let loaded = false;
    const lying: ContainerEngine = Object.assign(Object.create(real) as ContainerEngine, {
      loadImage: async (path: string) => {
        const result = await real.loadImage(path);
        loaded = true;
        return result;
      },
      inspectImage: async (id: string) => {
        const image = await real.inspectImage(id);
        return loaded && image ? { ...image, id: `sha256:${'0'.repeat(64)}` } : image;
      },
    });
    const c = await importCore(lying);
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const { source, ref } = await signedLayout(built);
    c.loaded.push(built.image.configDigest);
    await refused(
      c.op('bundles.import', { source, ref }),
      'VERIFY_FAILED',
      /reports the loaded image as sha256:0{64}, but its signed config digest is/,
    );
    assert.equal(loaded, true, 'the engine did load it');
    loaded = false;
    await assertNothingLeft(c, built.image, built.name, 'VERIFY_FAILED');
  });

  test('an engine that does not answer: refused before anything is fetched', async (t) => {
    if (skip) return t.skip(skip);
    const { DockerodeEngine } = await import('../../../src/engine');
    const dead = DockerodeEngine.fromEnv({ DOCKER_HOST: `unix://${join(work, 'no.sock')}` });
    const c = await importCore(dead);
    t.after(() => c.cleanup());
    const built = await bundleImage();
    const { source, ref } = await signedLayout(built);
    await refused(
      c.op('bundles.import', { source, ref }),
      'ENGINE_UNAVAILABLE',
      /No container engine answers at unix:\/\/.*no\.sock.*start Docker or Podman/,
    );
  });

  test('a docker save archive whose layer is not what its config says: the engine refuses the load', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    await c.admin('settings.set', { key: 'bundles.signaturesOptional', value: true });
    const other = await bundleImage({
      name: built.name,
      files: [{ path: '/codebundle/other.txt', content: 'not the layer the config was made for' }],
    });
    // The config of one image with the layers of another: digests all match, diff_ids do not.
    const file = join(work, `${unique('mixed')}.tar`);
    await writeDockerSaveTar(file, {
      configBytes: built.image.configBytes,
      layers: other.image.layers.map((l) => ({ digest: l.digest, size: l.size, buffer: l.buffer! })),
      repoTags: ['tests/mixed:1.0.0'],
    });
    await expectRefused(
      c,
      built,
      { source: `archive:${file}`, ref: 'tests/mixed:1.0.0' },
      'VERIFY_FAILED',
      /engine refused to load the image/,
    );
  });
});
