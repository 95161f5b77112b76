/**
 * Builds one gzip image layer from files, folders and symlinks. Deterministic: entries sorted by
 * path, parent folders added, mtime 0, uid/gid 0, fixed gzip settings, so the same input always gives
 * the same layer digest.
 */
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DigestStream, digestHex, type Digest } from './digest';
import { MediaType } from './media-types';
import { seededRandomBytes } from './random';
import { tarStream, type TarInputEntry } from './tar/writer';
import { checkSymlinkTarget, normalizeEntryPath } from './tar/paths';

export interface ImageFile {
  /** Path inside the image, e.g. `/codebundle/codebundle.yaml` (leading slash optional). */
  path: string;
  content?: Buffer | string;
  sourcePath?: string;
  /** Default 0o644. */
  mode?: number;
}

export interface ImageSymlink {
  path: string;
  target: string;
}

export interface LayerSpec {
  files?: ImageFile[];
  symlinks?: ImageSymlink[];
  directories?: { path: string; mode?: number }[];
  /** A file of incompressible bytes from a seed (benchmarks). */
  random?: { seed: string; size: number; path?: string };
}

export interface BuiltLayer {
  mediaType: string;
  digest: Digest;
  size: number;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffId: Digest;
  /** Set when the layer was written to a folder. */
  path?: string;
  /** Set when the layer was kept in memory. */
  buffer?: Buffer;
}

export interface LayerOutput {
  /** Folder to write `<hex>` blobs into; without it the layer is kept in memory. */
  outDir?: string;
  /** gzip level; default 6, and 0 (stored) for a layer holding only random data. */
  gzipLevel?: number;
}

async function layerEntries(spec: LayerSpec): Promise<TarInputEntry[]> {
  const byPath = new Map<string, TarInputEntry>();
  const add = (entry: TarInputEntry): void => {
    if (byPath.has(entry.path)) throw new Error(`The image path /${entry.path} is given twice.`);
    byPath.set(entry.path, entry);
  };
  for (const dir of spec.directories ?? [])
    add({ type: 'directory', path: normalizeEntryPath(dir.path.replace(/^\/+/, '')), mode: dir.mode ?? 0o755 });
  for (const file of spec.files ?? []) {
    const path = normalizeEntryPath(file.path.replace(/^\/+/, ''));
    const mode = file.mode ?? 0o644;
    if (file.content !== undefined) {
      const body = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content, 'utf8');
      add({ type: 'file', path, mode, size: body.length, body });
    } else if (file.sourcePath !== undefined) {
      const info = await stat(file.sourcePath);
      if (!info.isFile()) throw new Error(`${file.sourcePath} is not a regular file.`);
      add({ type: 'file', path, mode, size: info.size, body: { path: file.sourcePath } });
    } else {
      throw new Error(`The image file /${path} needs content or sourcePath.`);
    }
  }
  for (const link of spec.symlinks ?? []) {
    const path = normalizeEntryPath(link.path.replace(/^\/+/, ''));
    checkSymlinkTarget(path, link.target);
    add({ type: 'symlink', path, target: link.target });
  }
  if (spec.random) {
    const { seed, size } = spec.random;
    const path = normalizeEntryPath((spec.random.path ?? `data/random-${seed}.bin`).replace(/^\/+/, ''));
    add({ type: 'file', path, mode: 0o644, size, body: () => seededRandomBytes(seed, size) });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (!existing) byPath.set(parent, { type: 'directory', path: parent, mode: 0o755 });
      else if (existing.type !== 'directory') throw new Error(`/${parent} is used both as a folder and as a file.`);
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

class BufferSink extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.parts.push(chunk);
    done();
  }
}

export async function buildLayer(spec: LayerSpec, output: LayerOutput = {}): Promise<BuiltLayer> {
  const entries = await layerEntries(spec);
  const diff = new DigestStream();
  const compressed = new DigestStream();
  // Random data does not compress and zlib is slow at trying: store it (level 0) unless told otherwise.
  const onlyRandom = spec.random !== undefined && !spec.files?.length && !spec.symlinks?.length;
  const gzip = createGzip({ level: output.gzipLevel ?? (onlyRandom ? 0 : 6), chunkSize: 1 << 20 });
  if (output.outDir) {
    const tmp = join(output.outDir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await pipeline(Readable.from(tarStream(entries)), diff, gzip, compressed, createWriteStream(tmp, { mode: 0o644 }));
      const digest = compressed.digest();
      const path = join(output.outDir, digestHex(digest));
      await rename(tmp, path);
      return { mediaType: MediaType.ociLayerGzip, digest, size: compressed.size, diffId: diff.digest(), path };
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }
  const sink = new BufferSink();
  await pipeline(Readable.from(tarStream(entries)), diff, gzip, compressed, sink);
  const buffer = Buffer.concat(sink.parts);
  return { mediaType: MediaType.ociLayerGzip, digest: compressed.digest(), size: buffer.length, diffId: diff.digest(), buffer };
}
