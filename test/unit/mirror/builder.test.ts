import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildImage, imageConfigSchema, readTar, sha256Digest, type BuildImageInput } from '../../../src/oci';

const input = (): BuildImageInput => ({
  files: [
    { path: '/codebundle/codebundle.yaml', content: 'name: x\n' },
    { path: '/codebundle/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
  ],
  symlinks: [{ path: '/bin/sh', target: 'busybox' }],
  layers: [{ random: { seed: 'one', size: 100_000 } }],
  config: { user: '65534', entrypoint: ['/bin/sh'], labels: { b: '2', a: '1' } },
});

test('the same input gives the same digests', async () => {
  const one = await buildImage(input());
  const two = await buildImage(input());
  assert.equal(one.manifestDigest, two.manifestDigest);
  assert.equal(one.configDigest, two.configDigest);
  assert.equal(one.layers.length, 2);
  assert.equal(sha256Digest(one.manifestBytes), one.manifestDigest);
  const other = await buildImage({ ...input(), layers: [{ random: { seed: 'two', size: 100_000 } }] });
  assert.notEqual(other.manifestDigest, one.manifestDigest);
});

test('config and layers are consistent and readable by GNU tar', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'build-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = await buildImage({ ...input(), outDir: dir });
  const config = imageConfigSchema.parse(image.config);
  assert.deepEqual(
    config.rootfs.diff_ids,
    image.layers.map((l) => l.diffId),
  );
  assert.equal(config.config?.User, '65534');
  const first = image.layers[0];
  assert.ok(first?.path);
  const listing = execFileSync('tar', ['-tvzf', first.path]).toString();
  assert.match(listing, /lrwxrwxrwx .* bin\/sh -> busybox/);
  assert.match(listing, /-rwxr-xr-x .* codebundle\/run.sh/);
  const plain = gunzipSync(readFileSync(first.path));
  assert.equal(sha256Digest(plain), first.diffId);
  const paths: string[] = [];
  for await (const entry of readTar([plain], { allowSymlinks: true })) paths.push(entry.path);
  assert.deepEqual(paths, ['bin', 'bin/sh', 'codebundle', 'codebundle/codebundle.yaml', 'codebundle/run.sh']);
});
