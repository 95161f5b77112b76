/**
 * Anything stored under a manifest digest: an image, a cosign signature, a sigstore bundle referrer.
 * The writers (layout, registry push, docker-save) take this one shape.
 */
import type { BlobSource, BuiltImage } from './builder';
import { sha256Digest, type Digest } from './digest';

export interface OciArtifact {
  mediaType: string;
  manifestBytes: Buffer;
  manifestDigest: Digest;
  /** Config and layer blobs the manifest names (for an index: none; its children are separate artifacts). */
  blobs: BlobSource[];
  /** For layouts: the artifactType to record on the index.json descriptor, if any. */
  artifactType?: string;
}

export function artifactFromImage(image: BuiltImage): OciArtifact {
  const blobs: BlobSource[] = [{ digest: image.configDigest, size: image.configBytes.length, buffer: image.configBytes }];
  for (const layer of image.layers) {
    if (layer.buffer) blobs.push({ digest: layer.digest, size: layer.size, buffer: layer.buffer });
    else if (layer.path) blobs.push({ digest: layer.digest, size: layer.size, path: layer.path });
    else throw new Error(`Layer ${layer.digest} has neither bytes nor a file.`);
  }
  return { mediaType: image.mediaType, manifestBytes: image.manifestBytes, manifestDigest: image.manifestDigest, blobs };
}

/** Wraps a manifest given as JSON text or bytes, with the blobs it names. */
export function artifactFromManifest(
  manifest: Buffer | string | object,
  blobs: { digest?: Digest; data: Buffer | string }[] = [],
  artifactType?: string,
): OciArtifact {
  const manifestBytes = Buffer.isBuffer(manifest)
    ? manifest
    : Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest), 'utf8');
  const parsed = JSON.parse(manifestBytes.toString('utf8')) as { mediaType?: string; artifactType?: string };
  if (!parsed.mediaType) throw new Error('The manifest has no mediaType field; set it so registries and layouts can serve it.');
  return {
    mediaType: parsed.mediaType,
    manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    blobs: blobs.map((b) => {
      const buffer = Buffer.isBuffer(b.data) ? b.data : Buffer.from(b.data, 'utf8');
      const digest = sha256Digest(buffer);
      if (b.digest && b.digest !== digest) throw new Error(`A blob's bytes do not match its digest ${b.digest}.`);
      return { digest, size: buffer.length, buffer };
    }),
    ...((artifactType ?? parsed.artifactType) ? { artifactType: artifactType ?? parsed.artifactType } : {}),
  };
}
