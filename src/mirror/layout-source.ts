/**
 * A mirror source backed by an OCI image-layout folder (`oci-layout`, `index.json`, `blobs/sha256/`).
 * Tags come from `org.opencontainers.image.ref.name` annotations (`REPO:TAG`, or a bare tag in the
 * repository `default`). Referrers are the manifests in the layout whose `subject` is the image.
 */
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../kernel';
import {
  descriptorSchema,
  digestHex,
  imageIndexSchema,
  isDigest,
  ociLayoutFileSchema,
  parseDigest,
  referrersTagFor,
  REF_NAME_ANNOTATION,
  type Descriptor,
  type Digest,
} from '../oci';
import { checkManifestDigest, manifestMediaType, tooBigManifest, tryParseJson } from './manifest-bytes';
import { checkReference, checkRepository, LAYOUT_DEFAULT_REPOSITORY, splitRefName } from './names';
import { checkRealDirectory, openRegularFile, readSmallFile } from './safe-files';
import {
  DEFAULT_MANIFEST_MAX_BYTES,
  type FetchBlobOptions,
  type MirrorSource,
  type Referrers,
  type ResolvedManifest,
  type SourceDescription,
} from './types';
import { checkExpectedSize, verifiedChunks, writeBlobFile } from './verified-blob';

export interface OciLayoutSourceOptions {
  manifestMaxBytes?: number;
  /** Largest index.json; default 16 MiB. */
  indexMaxBytes?: number;
  /** Shown by describe(); ArchiveSource passes its own. */
  description?: SourceDescription;
}

/** Where an entry's first problem is: `digest: Invalid string`. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'the entry'}: ${issue.message}` : 'not a descriptor';
}

/**
 * The entries of index.json. One bad entry (a hand edit, a tool's bug) does not make the whole
 * layout unlistable: it is left out and named, with its ref name when it has one.
 */
function readIndexEntries(doc: unknown, label: string): { manifests: Descriptor[]; problems: string[]; broken: Map<string, string> } {
  const outer = indexShape.safeParse(doc);
  if (!outer.success) throw new ApiError('VERIFY_FAILED', `${label}: index.json is not a valid OCI index (${firstIssue(outer.error)}).`);
  const manifests: Descriptor[] = [];
  const problems: string[] = [];
  const broken = new Map<string, string>();
  outer.data.manifests.forEach((entry, i) => {
    const parsed = descriptorSchema.safeParse(entry);
    if (parsed.success) return void manifests.push(parsed.data);
    const annotations = (entry as { annotations?: Record<string, unknown> } | null)?.annotations;
    const name = annotations?.[REF_NAME_ANNOTATION];
    const ref = typeof name === 'string' ? name.slice(0, 200) : undefined;
    const problem = `index.json entry ${i + 1}${ref ? ` (${ref})` : ''} is invalid: ${firstIssue(parsed.error)}`;
    problems.push(problem);
    if (ref) broken.set(ref, `${label}: ${problem}`);
  });
  return { manifests, problems, broken };
}

/** index.json with its entries still unchecked: each is checked on its own. */
const indexShape = z.object({ schemaVersion: z.literal(2), manifests: z.array(z.unknown()) });

export class OciLayoutSource implements MirrorSource {
  private referrersBySubject: Map<string, Descriptor[]> | undefined;

  private constructor(
    private readonly blobDir: string,
    private readonly index: Descriptor[],
    private readonly tags: Map<string, Map<string, Descriptor>>,
    /** Ref names of index.json entries that are invalid, with the problem. */
    private readonly broken: Map<string, string>,
    private readonly description: SourceDescription,
    private readonly maxManifest: number,
  ) {}

  static async open(dir: string, options: OciLayoutSourceOptions = {}): Promise<OciLayoutSource> {
    const label = `The OCI layout ${dir}`;
    let root: string;
    try {
      root = await realpath(dir);
    } catch {
      throw new ApiError('NOT_FOUND', `${label} does not exist. Check the path.`);
    }
    await checkRealDirectory(join(root, 'blobs'), label);
    await checkRealDirectory(join(root, 'blobs', 'sha256'), label);
    const layoutBytes = await readSmallFile(
      root,
      'oci-layout',
      `${label}: oci-layout`,
      64 * 1024,
      () => new ApiError('VERIFY_FAILED', `${label}: oci-layout is too large.`),
    );
    if (!ociLayoutFileSchema.safeParse(tryParseJson(layoutBytes)).success) {
      throw new ApiError('VERIFY_FAILED', `${label} is not an OCI image layout version 1.0.0.`);
    }
    const indexMax = options.indexMaxBytes ?? 16 * 1024 * 1024;
    const indexBytes = await readSmallFile(
      root,
      'index.json',
      `${label}: index.json`,
      indexMax,
      () => new ApiError('VERIFY_FAILED', `${label}: index.json is larger than ${indexMax} bytes.`),
    );
    const { manifests, problems, broken } = readIndexEntries(tryParseJson(indexBytes), label);
    const tags = new Map<string, Map<string, Descriptor>>();
    for (const descriptor of manifests) {
      const ref = descriptor.annotations?.[REF_NAME_ANNOTATION];
      const split = ref ? splitRefName(ref) : undefined;
      if (!split) continue;
      const repoTags = tags.get(split.repository) ?? new Map<string, Descriptor>();
      repoTags.set(split.tag, descriptor);
      tags.set(split.repository, repoTags);
    }
    const described = options.description ?? { kind: 'oci-layout', location: `oci:${root}`, insecure: false };
    const description = problems.length ? { ...described, problems: [...(described.problems ?? []), ...problems] } : described;
    return new OciLayoutSource(
      join(root, 'blobs', 'sha256'),
      manifests,
      tags,
      broken,
      description,
      options.manifestMaxBytes ?? DEFAULT_MANIFEST_MAX_BYTES,
    );
  }

  describe(): SourceDescription {
    return this.description;
  }

  async listRepositories(): Promise<string[]> {
    return [...this.tags.keys()].sort();
  }

  async listTags(repository: string): Promise<string[]> {
    checkRepository(repository);
    const tags = this.tags.get(repository);
    if (!tags)
      throw new ApiError(
        'NOT_FOUND',
        `The repository ${repository} is not in ${this.description.location}. \`mirror list\` shows what is there.`,
      );
    return [...tags.keys()].sort();
  }

  private async readManifest(digest: Digest, label: string, descriptorType?: string): Promise<{ bytes: Buffer; mediaType: string }> {
    const bytes = await readSmallFile(this.blobDir, digestHex(digest), `The manifest of ${label}`, this.maxManifest, () =>
      tooBigManifest(label, this.maxManifest),
    );
    checkManifestDigest(bytes, digest, label);
    return { bytes, mediaType: manifestMediaType(bytes, label, descriptorType) };
  }

  async resolve(repository: string, reference: string): Promise<ResolvedManifest> {
    checkRepository(repository);
    checkReference(reference);
    if (isDigest(reference)) {
      const { bytes, mediaType } = await this.readManifest(reference, `${repository}@${reference}`);
      return { repository, reference, digest: reference, mediaType, bytes };
    }
    const descriptor = this.tags.get(repository)?.get(reference);
    const label = `${repository}:${reference}`;
    const problem = descriptor
      ? undefined
      : (this.broken.get(label) ?? (repository === LAYOUT_DEFAULT_REPOSITORY ? this.broken.get(reference) : undefined));
    if (problem) throw new ApiError('VERIFY_FAILED', `${problem}. Fix or remove that entry of the layout, or copy the image again.`);
    if (!descriptor)
      throw new ApiError('NOT_FOUND', `${label} was not found in ${this.description.location}. \`mirror list\` shows what is there.`);
    const { bytes, mediaType } = await this.readManifest(descriptor.digest, label, descriptor.mediaType);
    return { repository, reference, digest: descriptor.digest, mediaType, bytes };
  }

  async getManifest(repository: string, digest: string): Promise<ResolvedManifest> {
    return await this.resolve(repository, parseDigest(digest).digest);
  }

  async fetchBlobTo(
    repository: string,
    digest: string,
    expectedSize: number,
    destPath: string,
    options: FetchBlobOptions = {},
  ): Promise<void> {
    await writeBlobFile(this.streamBlob(repository, digest, expectedSize, options), destPath);
  }

  async *streamBlob(repository: string, digest: string, expectedSize: number, options: FetchBlobOptions = {}): AsyncGenerator<Buffer> {
    checkRepository(repository);
    const { hex } = parseDigest(digest);
    checkExpectedSize(expectedSize);
    const label = `The blob ${digest}`;
    const { handle, size } = await openRegularFile(this.blobDir, hex, label);
    try {
      if (size !== expectedSize) {
        throw new ApiError(
          'VERIFY_FAILED',
          `${label} is ${size} bytes in the mirror, but its manifest declares ${expectedSize}; not copied. The mirror content is corrupt or was tampered with.`,
        );
      }
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

  /** Lazily reads every manifest the layout lists, once, and maps subject digest -> referrers. */
  private async subjects(): Promise<Map<string, Descriptor[]>> {
    if (this.referrersBySubject) return this.referrersBySubject;
    const map = new Map<string, Descriptor[]>();
    const seen = new Set<string>();
    for (const descriptor of this.index) {
      if (seen.has(descriptor.digest) || descriptor.size > this.maxManifest) continue;
      seen.add(descriptor.digest);
      let doc: {
        subject?: { digest?: unknown };
        artifactType?: unknown;
        config?: { mediaType?: unknown };
        annotations?: unknown;
        mediaType?: unknown;
      };
      try {
        const { bytes } = await this.readManifest(descriptor.digest, descriptor.digest, descriptor.mediaType);
        doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
      } catch {
        continue; // an unreadable manifest is simply not a referrer; resolving it reports the problem
      }
      const subject = doc.subject?.digest;
      if (typeof subject !== 'string') continue;
      const artifactType =
        typeof doc.artifactType === 'string'
          ? doc.artifactType
          : typeof doc.config?.mediaType === 'string'
            ? doc.config.mediaType
            : undefined;
      const list = map.get(subject) ?? [];
      list.push({
        mediaType: typeof doc.mediaType === 'string' ? doc.mediaType : descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        ...(artifactType ? { artifactType } : {}),
        ...(doc.annotations && typeof doc.annotations === 'object' ? { annotations: doc.annotations as Record<string, string> } : {}),
      });
      map.set(subject, list);
    }
    this.referrersBySubject = map;
    return map;
  }

  async listReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrers> {
    checkRepository(repository);
    parseDigest(digest);
    const found = new Map<string, Descriptor>();
    for (const d of (await this.subjects()).get(digest) ?? []) found.set(d.digest, d);
    const fallback = this.tags.get(repository)?.get(referrersTagFor(digest));
    if (fallback) {
      try {
        const { bytes } = await this.readManifest(fallback.digest, referrersTagFor(digest), fallback.mediaType);
        const index = imageIndexSchema.safeParse(JSON.parse(bytes.toString('utf8')));
        if (index.success) for (const d of index.data.manifests) if (!found.has(d.digest)) found.set(d.digest, d);
      } catch {
        /* no usable fallback index */
      }
    }
    const manifests = [...found.values()].filter((d) => !artifactType || d.artifactType === artifactType);
    return { manifests, via: manifests.length > 0 || found.size > 0 ? 'layout' : 'none' };
  }

  async close(): Promise<void> {
    /* nothing held open between calls */
  }
}
