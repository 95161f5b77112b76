/**
 * A mirror source backed by an OCI Distribution registry (`registry://HOST:PORT[/PREFIX]`).
 * Transport: HTTPS (TLS 1.2+, certificates always checked). Plain HTTP only for loopback hosts or a
 * source marked insecure; for those, HTTPS is tried first and plain HTTP used only when the server
 * does not speak TLS at all (never after a certificate failure). `describe()` reports the result.
 */
import { readFile } from 'node:fs/promises';
import { ApiError } from '../kernel';
import { imageIndexSchema, isDigest, parseDigest, referrersTagFor, type Descriptor, MANIFEST_ACCEPT, MediaType } from '../oci';
import { HttpClient, drain, isNotTlsError, readCapped, type HttpDeadlines, type HttpResponse } from './http-client';
import { checkManifestDigest, manifestMediaType, tooBigManifest, tryParseJson } from './manifest-bytes';
import { checkReference, checkRepository, isRepositoryName } from './names';
import { RegistryAuth, type RegistryCredentials } from './registry-auth';
import { formatRegistryUrl, isLoopbackHost, parseRegistryUrl, type RegistryLocation } from './source-url';
import {
  DEFAULT_MANIFEST_MAX_BYTES,
  type FetchBlobOptions,
  type MirrorSource,
  type Referrers,
  type ResolvedManifest,
  type SourceDescription,
} from './types';
import { checkExpectedSize, verifiedChunks, writeBlobFile } from './verified-blob';
import { parseNextLink } from './www-authenticate';

export interface RegistrySourceOptions {
  /** PEM file with the site's CA; when given, only certificates it issued are accepted. */
  caFile?: string;
  ca?: string | Buffer;
  /** Allow plain HTTP to a non-loopback host (recorded by the caller through describe().insecure). */
  insecure?: boolean;
  credentials?: RegistryCredentials;
  manifestMaxBytes?: number;
  /** Page size for catalog and tag listing (`n=`). Default 100. */
  pageSize?: number;
  /** 'auto' (default) as described above; 'https' never probes plain HTTP; 'http' needs loopback or insecure. */
  transport?: 'auto' | 'https' | 'http';
  /** Deadlines of every request (ms); defaults in DEFAULT_HTTP_DEADLINES, settings in MIRROR_SETTINGS. */
  deadlines?: Partial<HttpDeadlines>;
}

const LIST_MAX_BYTES = 8 * 1024 * 1024;
const MAX_PAGES = 10_000;

export class RegistrySource implements MirrorSource {
  private constructor(
    private readonly location: RegistryLocation,
    private readonly base: URL,
    private readonly http: HttpClient,
    private readonly auth: RegistryAuth,
    private readonly options: RegistrySourceOptions,
  ) {}

  static async open(where: string | RegistryLocation, options: RegistrySourceOptions = {}): Promise<RegistrySource> {
    const location = typeof where === 'string' ? parseRegistryUrl(where) : where;
    const ca =
      options.ca ??
      (options.caFile
        ? await readFile(options.caFile).catch(() => {
            throw new ApiError(
              'INVALID_INPUT',
              `The CA file ${options.caFile} cannot be read. Check the path in the mirror source settings.`,
            );
          })
        : undefined);
    const plainAllowed = (url: URL): boolean => options.insecure === true || isLoopbackHost(url.hostname);
    const http = new HttpClient({
      ...(ca ? { ca } : {}),
      allowPlainHttp: plainAllowed,
      ...(options.deadlines ? { deadlines: options.deadlines } : {}),
    });
    const httpsBase = new URL(`https://${location.authority}/`);
    const httpBase = new URL(`http://${location.authority}/`);
    let base = httpsBase;
    const mode = options.transport ?? 'auto';
    if (mode === 'http') {
      if (!plainAllowed(httpBase)) {
        http.close();
        throw new ApiError(
          'INVALID_INPUT',
          `Plain HTTP to ${location.authority} is refused: only loopback addresses or sources marked insecure may use it.`,
        );
      }
      base = httpBase;
    } else if (mode === 'auto' && plainAllowed(httpBase)) {
      try {
        const probe = await http.request('GET', new URL('/v2/', httpsBase), { maxRedirects: 0 });
        await drain(probe);
      } catch (error) {
        if (!(error instanceof ApiError && isNotTlsError(error.cause))) {
          http.close();
          throw error;
        }
        base = httpBase;
      }
    }
    return new RegistrySource(location, base, http, new RegistryAuth(http, location.authority, options.credentials), options);
  }

  describe(): SourceDescription {
    const plain = this.base.protocol === 'http:';
    return {
      kind: 'registry',
      location: formatRegistryUrl(this.location),
      insecure: this.options.insecure === true || plain,
      transport: plain ? 'http' : 'https',
    };
  }

  private fullName(repository: string): string {
    checkRepository(repository);
    return this.location.prefix ? `${this.location.prefix}/${repository}` : repository;
  }

  private async get(
    url: URL,
    scope: string,
    what: string,
    options: { accept?: string; signal?: AbortSignal | undefined; transfer?: 'blob' } = {},
  ): Promise<HttpResponse> {
    const { accept, signal, transfer } = options;
    const headers = accept ? { accept } : undefined;
    const init = (authorization?: string) => ({
      ...(headers ? { headers } : {}),
      ...(authorization ? { authorization } : {}),
      ...(signal ? { signal } : {}),
      ...(transfer ? { transfer } : {}),
      what,
    });
    let response = await this.http.request('GET', url, init(this.auth.cached(scope)));
    if (response.status === 401) {
      const challenge = response.headers['www-authenticate'];
      await drain(response);
      response = await this.http.request('GET', url, init(await this.auth.answer(challenge, scope, signal)));
      if (response.status === 401) {
        await drain(response);
        throw this.auth.refused();
      }
    }
    return response;
  }

  private async failure(response: HttpResponse, what: string): Promise<ApiError> {
    const body = await drain(response);
    let code = '';
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
      const first = parsed.errors?.[0]?.code;
      if (typeof first === 'string' && /^[A-Z_]{1,40}$/.test(first)) code = ` ${first}`;
    } catch {
      /* not a registry error document */
    }
    const where = this.location.authority;
    if (response.status === 404)
      return new ApiError(
        'NOT_FOUND',
        `${what} was not found on ${where}. Check the repository and tag; \`mirror list\` shows what is there.`,
      );
    if (response.status === 403)
      return new ApiError('FORBIDDEN', `${where} denied access to ${what}. Ask the registry admin for pull rights.`);
    return new ApiError(
      'INTERNAL',
      `${where} answered HTTP ${response.status}${code} for ${what}. Try again, or check the registry's log.`,
    );
  }

  /** Follows `Link: <…>; rel="next"` pages on the same origin, collecting one field of each JSON page. */
  private async paged(first: URL, scope: string, field: 'repositories' | 'tags', what: string): Promise<string[]> {
    const out: string[] = [];
    const visited = new Set<string>();
    let url: URL | undefined = first;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      if (visited.has(url.href)) break;
      visited.add(url.href);
      const response = await this.get(url, scope, what);
      if (response.status !== 200) throw await this.failure(response, what);
      const body = await readCapped(response, LIST_MAX_BYTES, () => new ApiError('VERIFY_FAILED', `The listing of ${what} is too large.`));
      const parsed = tryParseJson(body);
      if (typeof parsed !== 'object' || parsed === null)
        throw new ApiError('VERIFY_FAILED', `${this.location.authority} sent a listing of ${what} that is not JSON.`);
      const items = (parsed as Record<string, unknown>)[field];
      if (Array.isArray(items)) for (const item of items) if (typeof item === 'string') out.push(item);
      const link = response.headers.link;
      const next = parseNextLink(Array.isArray(link) ? link.join(', ') : link);
      if (!next) break;
      const nextUrl: URL = new URL(next, url);
      if (nextUrl.origin !== this.base.origin)
        throw new ApiError('VERIFY_FAILED', `${this.location.authority} pointed the listing of ${what} at another server; refused.`);
      url = nextUrl;
    }
    return out;
  }

  async listRepositories(): Promise<string[]> {
    const url = new URL(`/v2/_catalog?n=${this.options.pageSize ?? 100}`, this.base);
    const all = await this.paged(url, 'registry:catalog:*', 'repositories', 'the repository catalog');
    const prefix = this.location.prefix ? `${this.location.prefix}/` : '';
    return all
      .filter((n) => n.startsWith(prefix) && isRepositoryName(n))
      .map((n) => n.slice(prefix.length))
      .sort();
  }

  async listTags(repository: string): Promise<string[]> {
    const name = this.fullName(repository);
    const url = new URL(`/v2/${name}/tags/list?n=${this.options.pageSize ?? 100}`, this.base);
    return await this.paged(url, `repository:${name}:pull`, 'tags', `the tags of ${repository}`);
  }

  async resolve(repository: string, reference: string): Promise<ResolvedManifest> {
    const name = this.fullName(repository);
    checkReference(reference);
    const label = `${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const max = this.options.manifestMaxBytes ?? DEFAULT_MANIFEST_MAX_BYTES;
    const response = await this.get(
      new URL(`/v2/${name}/manifests/${reference}`, this.base),
      `repository:${name}:pull`,
      `the manifest of ${label}`,
      {
        accept: MANIFEST_ACCEPT,
      },
    );
    if (response.status !== 200) throw await this.failure(response, label);
    const bytes = await readCapped(response, max, () => tooBigManifest(label, max));
    const digest = checkManifestDigest(bytes, isDigest(reference) ? reference : undefined, label);
    const mediaType = manifestMediaType(bytes, label, response.headers['content-type']);
    return { repository, reference, digest, mediaType, bytes };
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
    const name = this.fullName(repository);
    parseDigest(digest);
    checkExpectedSize(expectedSize);
    const label = `The blob ${digest} of ${repository}`;
    const response = await this.get(
      new URL(`/v2/${name}/blobs/${digest}`, this.base),
      `repository:${name}:pull`,
      `the blob ${digest} of ${repository}`,
      {
        signal: options.signal,
        transfer: 'blob',
      },
    );
    if (response.status !== 200) throw await this.failure(response, `the blob ${digest} of ${repository}`);
    const body = response.body;
    // A cancel while the body arrives cuts it at once, not at its next chunk.
    const cancel = () => body.destroy(new ApiError('INTERNAL', `The download of ${label} was cancelled.`));
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const declared = Number(response.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared !== expectedSize) {
        throw new ApiError(
          'VERIFY_FAILED',
          `${label} is ${declared} bytes on the registry, but its manifest declares ${expectedSize}; not downloaded. The mirror content is corrupt or was tampered with.`,
        );
      }
      yield* verifiedChunks(body as AsyncIterable<Buffer>, { digest, size: expectedSize, label }, options, () => body.destroy());
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      // A body read to its end keeps its connection for the next blob; anything else is cut.
      if (!body.complete) body.destroy();
    }
  }

  async listReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrers> {
    const name = this.fullName(repository);
    parseDigest(digest);
    const keep = (d: Descriptor): boolean => !artifactType || d.artifactType === artifactType;
    const url = new URL(`/v2/${name}/referrers/${digest}`, this.base);
    if (artifactType) url.searchParams.set('artifactType', artifactType);
    const response = await this.get(url, `repository:${name}:pull`, `the referrers of ${digest}`, { accept: MediaType.ociIndex });
    if (response.status === 200) {
      const max = this.options.manifestMaxBytes ?? DEFAULT_MANIFEST_MAX_BYTES;
      const bytes = await readCapped(response, max, () => tooBigManifest(`the referrers of ${digest}`, max));
      const index = imageIndexSchema.safeParse(tryParseJson(bytes));
      if (!index.success) throw new ApiError('VERIFY_FAILED', `${this.location.authority} sent an invalid referrers list for ${digest}.`);
      return { manifests: index.data.manifests.filter(keep), via: 'referrers-api' };
    }
    if (![404, 400, 405, 501].includes(response.status)) throw await this.failure(response, `the referrers of ${digest}`);
    await drain(response);
    // OCI 1.1 fallback: an index under the tag sha256-<hex> lists the referrers.
    let fallback: ResolvedManifest;
    try {
      fallback = await this.resolve(repository, referrersTagFor(digest));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NOT_FOUND') return { manifests: [], via: 'none' };
      throw error;
    }
    const index = imageIndexSchema.safeParse(tryParseJson(fallback.bytes));
    if (!index.success) return { manifests: [], via: 'none' };
    return { manifests: index.data.manifests.filter(keep), via: 'fallback-tag' };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
