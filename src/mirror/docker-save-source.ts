/**
 * The `docker save` side of ArchiveSource: manifest.json (+ repositories) with `<config>.json` and
 * layer tars, already extracted into private staging. Such archives hold no registry manifest and no
 * signature, so a manifest is synthesised (Docker schema 2, marked `synthetic`) from the staged files:
 * its digest is only an index key, never something a publisher signed.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../kernel';
import { dockerSaveManifestSchema, isDigest, MediaType, normalizeEntryPath, parseDigest, sha256Digest, type Digest } from '../oci';
import type { Extracted, ExtractedFile } from './archive-extract';
import { checkReference, checkRepository, splitRefName } from './names';
import { openRegularFile, readSmallFile } from './safe-files';
import type { FetchBlobOptions, Referrers, ResolvedManifest } from './types';
import { checkExpectedSize, verifiedChunks, writeBlobFile } from './verified-blob';

interface SavedImage {
  digest: Digest;
  bytes: Buffer;
}

async function startsWithGzip(path: string): Promise<boolean> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

export class DockerSaveContent {
  private constructor(
    private readonly staged: Extracted,
    private readonly images: Map<string, SavedImage>,
    private readonly tags: Map<string, Map<string, Digest>>,
    /** blob digest -> staged path */
    private readonly blobs: Map<string, string>,
    private readonly location: string,
  ) {}

  static async load(staged: Extracted, location: string, maxManifest: number): Promise<DockerSaveContent> {
    const tooBig = (what: string) => () => new ApiError('VERIFY_FAILED', `${what} in ${location} is too large; refused.`);
    const text = await readSmallFile(staged.dir, 'manifest.json', 'manifest.json', maxManifest, tooBig('manifest.json'));
    let entries;
    try {
      entries = dockerSaveManifestSchema.parse(JSON.parse(text.toString('utf8')));
    } catch {
      throw new ApiError('VERIFY_FAILED', `${location} has an invalid manifest.json; it is not a docker save archive.`);
    }
    const fileOf = (path: string, what: string): [string, ExtractedFile] => {
      const normal = normalizeEntryPath(path);
      const file = staged.files.get(normal);
      if (!file)
        throw new ApiError(
          'VERIFY_FAILED',
          `${location}: manifest.json names ${what} ${JSON.stringify(path.slice(0, 100))}, which is not in the archive.`,
        );
      return [normal, file];
    };
    const images = new Map<string, SavedImage>();
    const tags = new Map<string, Map<string, Digest>>();
    const blobs = new Map<string, string>();
    for (const entry of entries) {
      const [configPath, config] = fileOf(entry.Config, 'the config');
      if (config.size > maxManifest) throw tooBig('An image config')();
      blobs.set(config.digest, configPath);
      const layers = [];
      for (const layerPath of entry.Layers) {
        const [path, layer] = fileOf(layerPath, 'the layer');
        blobs.set(layer.digest, path);
        const gzip = await startsWithGzip(join(staged.dir, path));
        layers.push({ mediaType: gzip ? MediaType.dockerLayerGzip : MediaType.dockerLayerTar, size: layer.size, digest: layer.digest });
      }
      const manifest = {
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: { mediaType: MediaType.dockerConfig, size: config.size, digest: config.digest },
        layers,
      };
      const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
      const digest = sha256Digest(bytes);
      images.set(digest, { digest, bytes });
      for (const repoTag of entry.RepoTags ?? []) {
        const split = splitRefName(repoTag);
        if (!split) continue;
        const repoTags = tags.get(split.repository) ?? new Map<string, Digest>();
        repoTags.set(split.tag, digest);
        tags.set(split.repository, repoTags);
      }
    }
    return new DockerSaveContent(staged, images, tags, blobs, location);
  }

  listRepositories(): string[] {
    return [...this.tags.keys()].sort();
  }

  listTags(repository: string): string[] {
    checkRepository(repository);
    const tags = this.tags.get(repository);
    if (!tags) throw new ApiError('NOT_FOUND', `The repository ${repository} is not in ${this.location}.`);
    return [...tags.keys()].sort();
  }

  resolve(repository: string, reference: string): ResolvedManifest {
    checkRepository(repository);
    checkReference(reference);
    const digest = isDigest(reference) ? reference : this.tags.get(repository)?.get(reference);
    const image = digest ? this.images.get(digest) : undefined;
    if (!image)
      throw new ApiError('NOT_FOUND', `${repository}${isDigest(reference) ? '@' : ':'}${reference} was not found in ${this.location}.`);
    return { repository, reference, digest: image.digest, mediaType: MediaType.dockerManifest, bytes: image.bytes, synthetic: true };
  }

  async fetchBlobTo(digest: string, expectedSize: number, destPath: string, options: FetchBlobOptions): Promise<void> {
    await writeBlobFile(this.streamBlob(digest, expectedSize, options), destPath);
  }

  async *streamBlob(digest: string, expectedSize: number, options: FetchBlobOptions): AsyncGenerator<Buffer> {
    parseDigest(digest);
    checkExpectedSize(expectedSize);
    const path = this.blobs.get(digest);
    const label = `The blob ${digest}`;
    if (!path) throw new ApiError('NOT_FOUND', `${label} is not in ${this.location}.`);
    const { handle, size } = await openRegularFile(this.staged.dir, path, label);
    try {
      if (size !== expectedSize)
        throw new ApiError('VERIFY_FAILED', `${label} is ${size} bytes in the archive, but ${expectedSize} were expected; not copied.`);
      const stream = handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false });
      try {
        yield* verifiedChunks(stream as AsyncIterable<Buffer>, { digest, size: expectedSize, label }, options, () => stream.destroy());
      } finally {
        stream.destroy();
      }
    } finally {
      await handle.close();
    }
  }

  listReferrers(): Referrers {
    return { manifests: [], via: 'none' };
  }
}
