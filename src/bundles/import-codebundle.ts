/**
 * Finds codebundle.yaml in the staged (already verified) layers of an image, as the engine will see
 * it: the topmost layer that has the file wins; a whiteout of it (or of a folder above it), an opaque
 * folder above it, or a non-folder in its place hides the lower layers. Layers are read with the
 * strict tar reader (symlinks allowed, since layers have them; their targets are never followed),
 * and reading stops as soon as the file is found. The file is size-capped before it is read.
 */
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ApiError } from '../kernel';
import { readTar, TarError } from '../oci';
import { CODEBUNDLE_MAX_BYTES } from './contract';
import { CodebundleInvalidError } from './parse';

export interface StagedLayer {
  digest: string;
  mediaType: string;
  /** The verified blob in private staging. */
  path: string;
}

export interface ReadCodebundleOptions {
  maxBytes?: number;
  /** Largest uncompressed content read from one layer while looking (default 8 GiB). */
  maxLayerBytes?: number;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

async function startsWithGzip(path: string): Promise<boolean> {
  const stream = createReadStream(path, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const head = Buffer.concat(chunks);
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

type LayerVerdict = { found: Buffer } | { hidden: string } | { absent: true };

async function scanLayer(
  layer: StagedLayer,
  target: string,
  index: number,
  options: Required<ReadCodebundleOptions>,
): Promise<LayerVerdict> {
  const ancestors = target
    .split('/')
    .slice(0, -1)
    .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  const raw = createReadStream(layer.path, { highWaterMark: 1 << 20 });
  const gzip = (await startsWithGzip(layer.path)) ? createGunzip({ chunkSize: 1 << 20 }) : undefined;
  const stream: Readable = gzip ? raw.pipe(gzip) : raw;
  raw.on('error', (error) => gzip?.destroy(error));
  const where = `layer ${index + 1} (${layer.digest.slice(0, 19)}…)`;
  let hidden: string | undefined;
  try {
    for await (const entry of readTar(stream as AsyncIterable<Buffer>, { allowSymlinks: true, maxTotalSize: options.maxLayerBytes })) {
      const dir = posix.dirname(entry.path);
      const base = posix.basename(entry.path);
      if (entry.path === target) {
        if (entry.type !== 'file') {
          throw new ApiError(
            'VERIFY_FAILED',
            `/${target} in ${where} is a ${entry.type === 'symlink' ? 'symbolic link' : 'folder'}; codebundle.yaml must be a regular file.`,
          );
        }
        if (entry.size > options.maxBytes) {
          throw new CodebundleInvalidError([
            { path: '', message: `the file is ${entry.size} bytes, more than the ${options.maxBytes} allowed` },
          ]);
        }
        const parts: Buffer[] = [];
        for await (const chunk of entry.body()) parts.push(chunk);
        return { found: Buffer.concat(parts) };
      }
      if (ancestors.includes(entry.path) && entry.type !== 'directory') {
        return {
          hidden: `/${entry.path} is a ${entry.type === 'symlink' ? 'symbolic link' : 'file'} in ${where}, so /${target} cannot be in the image`,
        };
      }
      if (base.startsWith(WHITEOUT)) {
        const hides = base === OPAQUE ? dir : posix.join(dir, base.slice(WHITEOUT.length));
        // Keep reading: the same layer may put a new file where it deleted the old one.
        if (base === OPAQUE && (hides === '.' || ancestors.includes(hides))) hidden ??= `/${hides} is emptied (opaque) in ${where}`;
        else if (hides === target || ancestors.includes(hides)) hidden ??= `${where} deletes /${hides}`;
      }
    }
  } catch (error) {
    if (error instanceof TarError) {
      throw new ApiError(
        'VERIFY_FAILED',
        `${where} of the image could not be read strictly while looking for codebundle.yaml: ${error.message.split(' The archive was refused')[0]} Rebuild the bundle with plain files, folders and symlinks.`,
        { cause: error },
      );
    }
    if (error instanceof ApiError) throw error;
    throw new ApiError('VERIFY_FAILED', `${where} of the image is not a valid (gzip) tar, so codebundle.yaml could not be read.`, {
      cause: error,
    });
  } finally {
    raw.destroy();
    gzip?.destroy();
  }
  return hidden ? { hidden } : { absent: true };
}

/**
 * The same search, a layer at a time from the top, for layers that arrive top-down: `next` scans the
 * next layer down and says whether the search is settled (the file found, or hidden); `result`
 * returns the bytes, or throws the VERIFY_FAILED that says why there are none.
 */
export class CodebundleSearch {
  private readonly settings: Required<ReadCodebundleOptions>;
  private readonly target: string;
  private verdict: LayerVerdict | undefined;

  constructor(
    private readonly yamlPath: string,
    options: ReadCodebundleOptions = {},
  ) {
    this.settings = { maxBytes: options.maxBytes ?? CODEBUNDLE_MAX_BYTES, maxLayerBytes: options.maxLayerBytes ?? 8 * 1024 ** 3 };
    this.target = yamlPath.replace(/^\/+/, '');
  }

  get settled(): boolean {
    return this.verdict !== undefined && !('absent' in this.verdict);
  }

  /** Scans `layer` (verified, staged), the one below those scanned so far; `index` is its place in the manifest (bottom 0). */
  async next(layer: StagedLayer, index: number): Promise<boolean> {
    if (this.settled) return true;
    this.verdict = await scanLayer(layer, this.target, index, this.settings);
    return this.settled;
  }

  result(): Buffer {
    const verdict = this.verdict;
    if (verdict && 'found' in verdict) return verdict.found;
    if (verdict && 'hidden' in verdict) {
      throw new ApiError(
        'VERIFY_FAILED',
        `The image has no codebundle.yaml at ${this.yamlPath}: ${verdict.hidden}. Fix the bundle's image and sign it again.`,
      );
    }
    throw new ApiError(
      'VERIFY_FAILED',
      `The image has no codebundle.yaml at ${this.yamlPath}, where its label says it is. Fix the bundle's image and sign it again.`,
    );
  }
}

/**
 * Returns the bytes of codebundle.yaml at `yamlPath` (absolute, from the image label). Layers are given
 * bottom first, as in the manifest. VERIFY_FAILED when the file is not there or a layer is unreadable;
 * CodebundleInvalidError (INVALID_INPUT) when it is larger than allowed.
 */
export async function readCodebundleFromLayers(
  layers: readonly StagedLayer[],
  yamlPath: string,
  options: ReadCodebundleOptions = {},
): Promise<Buffer> {
  const search = new CodebundleSearch(yamlPath, options);
  for (let i = layers.length - 1; i >= 0; i--) if (await search.next(layers[i]!, i)) break;
  return search.result();
}
