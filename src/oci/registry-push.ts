/**
 * Pushes an image or artifact to an OCI Distribution registry (sample tooling, tests, benchmarks).
 * Blobs go up monolithically or in chunks (POST, PATCH…, PUT ?digest=); the manifest is PUT by tag
 * and by digest. The product only pulls; this side trusts its caller and talks to a registry it chose.
 */
import { open } from 'node:fs/promises';
import { artifactFromImage, type OciArtifact } from './artifact';
import type { BlobSource, BuiltImage } from './builder';

export interface PushOptions {
  /** Upload blobs bigger than this in PATCH chunks of this size. Default 16 MiB; 0 = always monolithic. */
  chunkSize?: number;
  credentials?: { username: string; password: string };
  /** Also PUT the manifest by its digest (default true). */
  putByDigest?: boolean;
}

export interface PushResult {
  digest: string;
  uploaded: number;
  skipped: number;
}

function isBuiltImage(value: BuiltImage | OciArtifact): value is BuiltImage {
  return 'layers' in value && 'configBytes' in value;
}

class Pusher {
  constructor(
    private readonly baseUrl: string,
    private readonly repo: string,
    private readonly options: PushOptions,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const { credentials } = this.options;
    const headers: Record<string, string> = { ...extra };
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    return headers;
  }

  private url(path: string): string {
    return new URL(path, this.baseUrl).toString();
  }

  private async send(method: string, url: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(url, {
      method,
      body: body as unknown as RequestInit['body'],
      headers: this.headers(headers),
      redirect: 'manual',
    });
    if (response.status >= 400) {
      const text = (await response.text()).slice(0, 500);
      throw new Error(`${method} ${new URL(url).pathname} failed: HTTP ${response.status} ${text}`);
    }
    return response;
  }

  private nextLocation(response: Response, current: string): string {
    const location = response.headers.get('location');
    if (!location) throw new Error('The registry did not return an upload location.');
    return new URL(location, current).toString();
  }

  private static withDigest(location: string, digest: string): string {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    return url.toString();
  }

  async blobExists(digest: string): Promise<boolean> {
    const response = await fetch(this.url(`/v2/${this.repo}/blobs/${digest}`), { method: 'HEAD', headers: this.headers() });
    return response.status === 200;
  }

  async pushBlob(blob: BlobSource): Promise<boolean> {
    if (await this.blobExists(blob.digest)) return false;
    const start = this.url(`/v2/${this.repo}/blobs/uploads/`);
    let location = this.nextLocation(await this.send('POST', start), start);
    const chunkSize = this.options.chunkSize ?? 16 * 1024 * 1024;
    const octets = { 'content-type': 'application/octet-stream' };
    if ('buffer' in blob && (chunkSize === 0 || blob.size <= chunkSize)) {
      await this.send('PUT', Pusher.withDigest(location, blob.digest), blob.buffer, octets);
      return true;
    }
    const size = blob.size;
    const step = chunkSize === 0 ? size : chunkSize;
    const file = 'path' in blob ? await open(blob.path, 'r') : undefined;
    try {
      let offset = 0;
      while (offset < size) {
        const length = Math.min(step, size - offset);
        let chunk: Buffer;
        if (file) {
          chunk = Buffer.alloc(length);
          const { bytesRead } = await file.read(chunk, 0, length, offset);
          if (bytesRead !== length) throw new Error(`Short read from ${'path' in blob ? blob.path : 'blob'}.`);
        } else {
          chunk = (blob as { buffer: Buffer }).buffer.subarray(offset, offset + length);
        }
        const range = { ...octets, 'content-range': `${offset}-${offset + length - 1}`, 'content-length': String(length) };
        location = this.nextLocation(await this.send('PATCH', location, chunk, range), location);
        offset += length;
      }
    } finally {
      await file?.close();
    }
    await this.send('PUT', Pusher.withDigest(location, blob.digest), undefined, { 'content-length': '0' });
    return true;
  }

  async putManifest(reference: string, artifact: OciArtifact): Promise<void> {
    await this.send('PUT', this.url(`/v2/${this.repo}/manifests/${reference}`), artifact.manifestBytes, {
      'content-type': artifact.mediaType,
    });
  }
}

/** Pushes every blob, then the manifest under `tag` (if given) and under its digest. */
export async function pushToRegistry(
  baseUrl: string,
  repo: string,
  image: BuiltImage | OciArtifact,
  tag?: string,
  options: PushOptions = {},
): Promise<PushResult> {
  const artifact = isBuiltImage(image) ? artifactFromImage(image) : image;
  const pusher = new Pusher(baseUrl, repo, options);
  let uploaded = 0;
  let skipped = 0;
  for (const blob of artifact.blobs) {
    if (await pusher.pushBlob(blob)) uploaded += 1;
    else skipped += 1;
  }
  if (tag) await pusher.putManifest(tag, artifact);
  if (options.putByDigest !== false || !tag) await pusher.putManifest(artifact.manifestDigest, artifact);
  return { digest: artifact.manifestDigest, uploaded, skipped };
}
