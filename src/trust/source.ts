/**
 * What the signature checks need from a mirror source. The mirror layer (registry, OCI layout,
 * archive) implements it; the checks themselves do no I/O of their own and trust none of it:
 * every manifest fetched by digest and every blob is re-hashed here.
 */
import type { Descriptor } from './formats';

export interface SignatureSource {
  /**
   * The raw bytes of a manifest, by digest (`sha256:…`) or by tag (`sha256-<hex>.sig`,
   * `sha256-<hex>`), exactly as stored. `null` when there is no such manifest. Must refuse (throw)
   * rather than return more than `maxBytes`. Transport failures throw and are passed on unchanged.
   */
  getManifest(reference: string, maxBytes: number): Promise<Buffer | null>;
  /**
   * The bytes of a small blob (a signature payload or bundle) as its manifest declares it; `null` when
   * absent. `size` has already been checked against the limits here; the source must refuse more
   * bytes than `size`. The digest is checked again here.
   */
  getBlob(blob: { digest: string; size: number }): Promise<Buffer | null>;
  /**
   * Descriptors of manifests whose `subject` is `subjectDigest` and whose artifactType is
   * `artifactType`: the registry's referrers API, or an OCI layout's manifests with that subject.
   * Return [] when the source has none or no referrers API: the `sha256-<hex>` fallback tag is
   * read separately through getManifest.
   */
  listReferrers(subjectDigest: string, artifactType: string): Promise<Descriptor[]>;
}

/** Upper bounds on what a signature check reads. Signatures are small; anything bigger is hostile. */
export interface VerifyLimits {
  maxManifestBytes: number;
  maxPayloadBytes: number;
  maxBundleBytes: number;
  /** Signatures (layers of a .sig manifest) examined per image. */
  maxSignatures: number;
  /** Referrer manifests examined per image. */
  maxReferrers: number;
}

export const DEFAULT_VERIFY_LIMITS: VerifyLimits = {
  maxManifestBytes: 1024 * 1024,
  maxPayloadBytes: 128 * 1024,
  maxBundleBytes: 1024 * 1024,
  maxSignatures: 64,
  maxReferrers: 64,
};

export type SignatureFormat = 'cosign-classic' | 'sigstore-bundle' | 'detached';

/** What a successful check proves. */
export interface VerifiedSignature {
  format: SignatureFormat;
  /** Fingerprint (SHA-256 of SPKI DER, hex) of the trusted key that made the signature. */
  signerFingerprint: string;
  /** The digest the signature covers: the image manifest, or the index that lists it. */
  signedDigest: string;
  /** `critical.identity.docker-reference` of a simple-signing payload (informational only). */
  dockerReference?: string;
  /** Digest of the manifest that carried the signature (the .sig manifest or the referrer). */
  signatureManifestDigest?: string;
}
