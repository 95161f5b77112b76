/**
 * A SignatureSource over one repository of a MirrorSource (registry, OCI layout or archive), so the
 * import pipeline can call verifyImageSignature right after resolving the image manifest.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isApiError } from '../kernel';
import type { MirrorSource } from '../mirror/types';
import { verifyFailed } from './errors';
import type { SignatureSource } from './source';

export interface MirrorSignatureSourceOptions {
  /** A private folder (0700) for the few small signature blobs; defaults to a fresh one under the OS temp dir. */
  scratchDir?: string;
}

async function orNull<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (isApiError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

export function signatureSourceFor(mirror: MirrorSource, repository: string, options: MirrorSignatureSourceOptions = {}): SignatureSource {
  return {
    async getManifest(reference, maxBytes) {
      const manifest = await orNull(() => mirror.resolve(repository, reference));
      // A manifest the source made up (docker save) was never signed by anyone.
      if (!manifest || manifest.synthetic) return null;
      if (manifest.bytes.length > maxBytes) {
        throw verifyFailed('malformed', `the signature manifest ${reference.slice(0, 80)} is larger than ${maxBytes} bytes`);
      }
      return manifest.bytes;
    },
    async getBlob({ digest, size }) {
      const dir = await mkdtemp(join(options.scratchDir ?? tmpdir(), 'airgap-signature-'));
      try {
        const path = join(dir, 'blob');
        const fetched = await orNull(() => mirror.fetchBlobTo(repository, digest, size, path));
        return fetched === null ? null : await readFile(path);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async listReferrers(subjectDigest, artifactType) {
      const referrers = await orNull(() => mirror.listReferrers(repository, subjectDigest, artifactType));
      return referrers?.manifests ?? [];
    },
  };
}
