/**
 * The one interface every mirror source implements (registry, OCI layout, archive). The import
 * pipeline talks only to this. Every method that returns content has already checked it: manifests
 * are size-capped and match the digest they were asked by; blobs are written only if their size and
 * digest match what the (signed) manifest declared.
 */
import type { Descriptor, Digest } from '../oci';

export type SourceKind = 'registry' | 'oci-layout' | 'archive';

export interface SourceDescription {
  kind: SourceKind;
  /** What the operator typed, normalised, never with credentials: `registry://host:5000/prefix`, `oci:/dir`, `archive:/file.tar`. */
  location: string;
  /** True when the source was marked insecure or content travels over plain HTTP: record it. */
  insecure: boolean;
  /** Registry only: the transport actually used. */
  transport?: 'https' | 'http';
  /** Archive only: what the archive turned out to hold. */
  format?: 'docker-save' | 'oci-layout';
  /** Parts of the source that were left out, each named (e.g. an invalid index.json entry of a layout). */
  problems?: string[];
}

export interface ResolvedManifest {
  repository: string;
  /** The tag or digest asked for. */
  reference: string;
  /** sha256 of `bytes`, computed here (and equal to the reference when that was a digest). */
  digest: Digest;
  /** From the document's own mediaType field, else the server's Content-Type. */
  mediaType: string;
  bytes: Buffer;
  /**
   * True when no stored manifest exists and the source made one up (docker-save archives): its digest
   * is not something a publisher could have signed.
   */
  synthetic?: boolean;
}

export interface FetchBlobOptions {
  /** Called as bytes arrive: received so far and the expected total. */
  onProgress?: (received: number, total: number) => void;
  signal?: AbortSignal;
}

export interface Referrers {
  manifests: Descriptor[];
  /** How they were found: the OCI 1.1 API, the `sha256-<hex>` fallback tag, a layout scan, or not at all. */
  via: 'referrers-api' | 'fallback-tag' | 'layout' | 'none';
}

export interface MirrorSource {
  describe(): SourceDescription;
  listRepositories(): Promise<string[]>;
  listTags(repository: string): Promise<string[]>;
  /** A manifest (or index) by tag or digest; NOT_FOUND when absent; VERIFY_FAILED when over the cap or not matching. */
  resolve(repository: string, reference: string): Promise<ResolvedManifest>;
  /** Same as resolve, by digest only. */
  getManifest(repository: string, digest: string): Promise<ResolvedManifest>;
  /**
   * Streams a blob into `destPath` (created 0600, must not exist), checking size and digest on the way;
   * more bytes than `expectedSize` abort at once. On any failure the file is removed.
   */
  fetchBlobTo(repository: string, digest: string, expectedSize: number, destPath: string, options?: FetchBlobOptions): Promise<void>;
  /**
   * The same blob as a stream, checked on the way as fetchBlobTo checks it: no chunk past
   * `expectedSize` is ever yielded, and the last chunk only once the size and digest matched, so a
   * consumer that did not see the end (an error instead) must treat what it got as unverified.
   * Stopping early (break, return) releases the connection or file.
   */
  streamBlob(repository: string, digest: string, expectedSize: number, options?: FetchBlobOptions): AsyncIterable<Buffer>;
  /** Manifests whose `subject` is `digest`, optionally of one artifactType. */
  listReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrers>;
  /** Releases connections and removes any private staging folder the source made. */
  close(): Promise<void>;
}

export const DEFAULT_MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
