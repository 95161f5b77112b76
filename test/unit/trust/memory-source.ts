/** An in-memory SignatureSource for tests: what a mirror would hold, with fetch counters. */
import type { Descriptor, SignatureSource } from '../../../src/trust/index';
import { sha256Digest, type OciArtifact } from '../../../samples/tools/sign';

export class MemorySource implements SignatureSource {
  readonly manifests = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  readonly referrers = new Map<string, Descriptor[]>();
  readonly fetched: string[] = [];

  putManifest(bytes: Buffer, tag?: string): string {
    const digest = sha256Digest(bytes);
    this.manifests.set(digest, bytes);
    if (tag) this.manifests.set(tag, bytes);
    return digest;
  }

  putArtifact(artifact: OciArtifact, tag?: string): void {
    this.putManifest(artifact.manifest, tag);
    for (const [digest, bytes] of artifact.blobs) this.blobs.set(digest, bytes);
  }

  addReferrer(subject: string, descriptor: Descriptor): void {
    this.referrers.set(subject, [...(this.referrers.get(subject) ?? []), descriptor]);
  }

  async getManifest(reference: string, maxBytes: number): Promise<Buffer | null> {
    this.fetched.push(`manifest:${reference}`);
    const bytes = this.manifests.get(reference) ?? null;
    if (bytes && bytes.length > maxBytes) throw new Error('manifest too large');
    return bytes;
  }

  async getBlob({ digest, size }: { digest: string; size: number }): Promise<Buffer | null> {
    this.fetched.push(`blob:${digest}`);
    const bytes = this.blobs.get(digest) ?? null;
    // A real source stops reading past the declared size; the check then sees the size mismatch.
    return bytes && bytes.length > size ? bytes.subarray(0, size + 1) : bytes;
  }

  async listReferrers(subject: string, artifactType: string): Promise<Descriptor[]> {
    this.fetched.push(`referrers:${subject}`);
    return (this.referrers.get(subject) ?? []).filter((d) => d.artifactType === artifactType);
  }
}
