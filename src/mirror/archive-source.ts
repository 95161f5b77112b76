/**
 * A mirror source backed by a tar archive on removable media: `docker save` output or an OCI-layout
 * tarball (plain or gzip). The archive is unpacked once, strictly, into a private staging folder that
 * close() removes. OCI-layout content wins when an archive holds both (Docker 25+ writes both), since
 * it keeps the real, signable manifests.
 */
import { lstat, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiError } from '../kernel';
import { extractArchive, type Extracted } from './archive-extract';
import { DockerSaveContent } from './docker-save-source';
import { OciLayoutSource } from './layout-source';
import {
  DEFAULT_MANIFEST_MAX_BYTES,
  type FetchBlobOptions,
  type MirrorSource,
  type Referrers,
  type ResolvedManifest,
  type SourceDescription,
} from './types';

export interface ArchiveSourceOptions {
  /** Parent of the private staging folder; default the OS temp folder. */
  stagingParent?: string;
  manifestMaxBytes?: number;
  /** Largest single entry and whole archive, in bytes (defaults 8 GiB / 32 GiB). */
  maxEntrySize?: number;
  maxTotalSize?: number;
}

async function exists(path: string): Promise<boolean> {
  return await lstat(path).then(
    () => true,
    () => false,
  );
}

export class ArchiveSource implements MirrorSource {
  private constructor(
    private readonly staged: Extracted,
    private readonly description: SourceDescription,
    private readonly layout: OciLayoutSource | undefined,
    private readonly saved: DockerSaveContent | undefined,
  ) {}

  static async open(file: string, options: ArchiveSourceOptions = {}): Promise<ArchiveSource> {
    const absolute = resolve(file);
    const location = `archive:${absolute}`;
    const staged = await extractArchive(absolute, {
      ...(options.stagingParent ? { stagingParent: options.stagingParent } : {}),
      ...(options.maxEntrySize ? { maxEntrySize: options.maxEntrySize } : {}),
      ...(options.maxTotalSize ? { maxTotalSize: options.maxTotalSize } : {}),
    });
    const maxManifest = options.manifestMaxBytes ?? DEFAULT_MANIFEST_MAX_BYTES;
    try {
      if ((await exists(join(staged.dir, 'oci-layout'))) && (await exists(join(staged.dir, 'index.json')))) {
        const description: SourceDescription = { kind: 'archive', location, insecure: false, format: 'oci-layout' };
        const layout = await OciLayoutSource.open(staged.dir, { manifestMaxBytes: maxManifest, description });
        return new ArchiveSource(staged, layout.describe(), layout, undefined);
      }
      if (await exists(join(staged.dir, 'manifest.json'))) {
        const saved = await DockerSaveContent.load(staged, location, maxManifest);
        return new ArchiveSource(staged, { kind: 'archive', location, insecure: false, format: 'docker-save' }, undefined, saved);
      }
      throw new ApiError(
        'VERIFY_FAILED',
        `${absolute} is neither a docker save archive nor an OCI-layout tarball (no manifest.json, no oci-layout).`,
      );
    } catch (error) {
      await rm(staged.dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The private folder the archive was unpacked into (removed by close()). */
  get stagingDir(): string {
    return this.staged.dir;
  }

  describe(): SourceDescription {
    return this.description;
  }

  async listRepositories(): Promise<string[]> {
    return this.layout ? await this.layout.listRepositories() : (this.saved as DockerSaveContent).listRepositories();
  }

  async listTags(repository: string): Promise<string[]> {
    return this.layout ? await this.layout.listTags(repository) : (this.saved as DockerSaveContent).listTags(repository);
  }

  async resolve(repository: string, reference: string): Promise<ResolvedManifest> {
    return this.layout
      ? await this.layout.resolve(repository, reference)
      : (this.saved as DockerSaveContent).resolve(repository, reference);
  }

  async getManifest(repository: string, digest: string): Promise<ResolvedManifest> {
    return await this.resolve(repository, digest);
  }

  async fetchBlobTo(
    repository: string,
    digest: string,
    expectedSize: number,
    destPath: string,
    options: FetchBlobOptions = {},
  ): Promise<void> {
    if (this.layout) return await this.layout.fetchBlobTo(repository, digest, expectedSize, destPath, options);
    return await (this.saved as DockerSaveContent).fetchBlobTo(digest, expectedSize, destPath, options);
  }

  streamBlob(repository: string, digest: string, expectedSize: number, options: FetchBlobOptions = {}): AsyncIterable<Buffer> {
    if (this.layout) return this.layout.streamBlob(repository, digest, expectedSize, options);
    return (this.saved as DockerSaveContent).streamBlob(digest, expectedSize, options);
  }

  async listReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrers> {
    return this.layout
      ? await this.layout.listReferrers(repository, digest, artifactType)
      : (this.saved as DockerSaveContent).listReferrers();
  }

  async close(): Promise<void> {
    await this.layout?.close();
    await rm(this.staged.dir, { recursive: true, force: true });
  }
}
