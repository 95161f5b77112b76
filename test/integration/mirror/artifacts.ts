/** Small artifacts the mirror tests share. */
import { artifactFromManifest, MediaType, sha256Digest, type BuiltImage, type OciArtifact } from '../../../src/oci';

/** A sigstore-bundle-shaped OCI 1.1 referrer whose subject is `image` (content is not a real signature). */
export function referrerFor(image: BuiltImage): OciArtifact {
  const bundle = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
  const empty = Buffer.from('{}');
  return artifactFromManifest(
    {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundle,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(empty), size: 2 },
      layers: [{ mediaType: MediaType.sigstoreBundle, digest: sha256Digest(bundle), size: bundle.length }],
      subject: { mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifestBytes.length },
    },
    [{ data: empty }, { data: bundle }],
  );
}
