/**
 * Finding codebundle.yaml in an image's layers as the engine will see the image: the topmost layer
 * wins, whiteouts and opaque folders hide lower layers, the file must be a regular file under the
 * size cap, and layers are read strictly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCodebundleFromLayers, type StagedLayer } from '../../../src/bundles/import-codebundle';
import { MediaType, sha256Digest, tarStream, type TarInputEntry } from '../../../src/oci';
import { encodeHeader } from '../../../src/oci/tar/header';

const dir = mkdtempSync(join(tmpdir(), 'codebundle-layers-'));
let n = 0;

async function layer(entries: TarInputEntry[], gzip = true): Promise<StagedLayer> {
  const parts: Buffer[] = [];
  for await (const chunk of tarStream(entries)) parts.push(chunk);
  const tar = Buffer.concat(parts);
  const bytes = gzip ? gzipSync(tar) : tar;
  const path = join(dir, `layer-${n++}`);
  writeFileSync(path, bytes);
  return { digest: sha256Digest(bytes), mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayerTar, path };
}

const file = (path: string, content: string): TarInputEntry => ({
  type: 'file',
  path,
  size: Buffer.byteLength(content),
  body: Buffer.from(content),
});
const YAML = '/codebundle/codebundle.yaml';

test('the topmost layer that has the file wins; plain tar and gzip layers', async () => {
  const bottom = await layer([file('codebundle/codebundle.yaml', 'old')], false);
  const middle = await layer([file('bin/x', 'x')]);
  const top = await layer([file('codebundle/codebundle.yaml', 'new')]);
  assert.equal((await readCodebundleFromLayers([bottom, middle, top], YAML)).toString(), 'new');
  assert.equal((await readCodebundleFromLayers([bottom, middle], YAML)).toString(), 'old');
});

test('a whiteout of the file or a folder above it, or an opaque folder, hides lower layers', async () => {
  const bottom = await layer([file('codebundle/codebundle.yaml', 'old')]);
  for (const hiding of [
    [file('codebundle/.wh.codebundle.yaml', '')],
    [file('.wh.codebundle', '')],
    [{ type: 'directory', path: 'codebundle' } as TarInputEntry, file('codebundle/.wh..wh..opq', '')],
  ]) {
    await assert.rejects(
      readCodebundleFromLayers([bottom, await layer(hiding)], YAML),
      (e: { code?: string; message?: string }) => e.code === 'VERIFY_FAILED' && /deletes|opaque/.test(e.message ?? ''),
    );
  }
  // The same layer may delete the old file and bring a new one.
  const replaced = await layer([file('codebundle/.wh.codebundle.yaml', ''), file('codebundle/codebundle.yaml', 'replaced')]);
  assert.equal((await readCodebundleFromLayers([bottom, replaced], YAML)).toString(), 'replaced');
});

test('the file must be a regular file, not a symlink or reached through one', async () => {
  const bottom = await layer([file('codebundle/codebundle.yaml', 'real')]);
  const link = await layer([{ type: 'symlink', path: 'codebundle/codebundle.yaml', target: '/etc/passwd' }]);
  await assert.rejects(readCodebundleFromLayers([bottom, link], YAML), /is a symbolic link; codebundle\.yaml must be a regular file/);
  const parent = await layer([{ type: 'symlink', path: 'codebundle', target: '/etc' }]);
  await assert.rejects(readCodebundleFromLayers([bottom, parent], YAML), /\/codebundle is a symbolic link/);
});

test('missing, oversized, or in a layer that is not a strict tar', async () => {
  await assert.rejects(
    readCodebundleFromLayers([await layer([file('bin/x', 'x')])], YAML),
    /no codebundle\.yaml at \/codebundle\/codebundle\.yaml/,
  );
  const big = await layer([file('codebundle/codebundle.yaml', 'x'.repeat(65 * 1024))]);
  await assert.rejects(
    readCodebundleFromLayers([big], YAML),
    (e: { code?: string; message?: string }) =>
      e.code === 'INVALID_INPUT' && /66560 bytes, more than the 65536 allowed/.test(e.message ?? ''),
  );
  const hard = Buffer.concat([
    encodeHeader({ name: 'codebundle/link', mode: 0o644, size: 0, mtime: 0, typeflag: '1', linkname: 'etc/passwd' }),
    Buffer.alloc(1024),
  ]);
  const path = join(dir, 'hard.tar');
  writeFileSync(path, hard);
  await assert.rejects(
    readCodebundleFromLayers([{ digest: sha256Digest(hard), mediaType: MediaType.ociLayerTar, path }], YAML),
    (e: { code?: string; message?: string }) => e.code === 'VERIFY_FAILED' && /could not be read strictly.*hard link/.test(e.message ?? ''),
  );
  const garbage = join(dir, 'garbage');
  writeFileSync(garbage, gzipSync(Buffer.from('not a tar at all'.repeat(40))));
  await assert.rejects(readCodebundleFromLayers([{ digest: sha256Digest('g'), mediaType: MediaType.ociLayerGzip, path: garbage }], YAML), {
    code: 'VERIFY_FAILED',
  });
});
