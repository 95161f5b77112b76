/**
 * Finding cosign 3 bundles for an image: the referrers API (or an OCI layout's manifests whose
 * subject is the image), then the `sha256-<hex>` fallback tag of the OCI 1.1 referrers tag schema.
 */
import { referrersTagFor, sha256Digest } from '../oci';
import { mostTelling, SignatureVerifyError, verifyFailed } from './errors';
import { imageIndexSchema, imageManifestSchema, parseJson, SIGSTORE_BUNDLE_V03_MEDIA_TYPE, type Descriptor } from './formats';
import type { TrustedKey } from './keys';
import { verifySigstoreBundle } from './sigstore-bundle';
import { DEFAULT_VERIFY_LIMITS, type SignatureSource, type VerifiedSignature, type VerifyLimits } from './source';

export interface BundleReferrerCheck {
  source: SignatureSource;
  /** The subject digest whose referrers are read. */
  digest: string;
  /** Digests the statement may name (include `digest`). */
  acceptedDigests: readonly string[];
  trustedKeys: readonly TrustedKey[];
  limits?: Partial<VerifyLimits>;
}

async function candidateDescriptors(check: BundleReferrerCheck, limits: VerifyLimits): Promise<Descriptor[]> {
  const listed = await check.source.listReferrers(check.digest, SIGSTORE_BUNDLE_V03_MEDIA_TYPE);
  const fallbackBytes = await check.source.getManifest(referrersTagFor(check.digest), limits.maxManifestBytes);
  const fallback = fallbackBytes ? imageIndexSchema.safeParse(parseJson(fallbackBytes)) : undefined;
  const all = [...listed, ...(fallback?.success ? fallback.data.manifests : [])];
  const seen = new Set<string>();
  return all
    .filter((d) => d.artifactType === undefined || d.artifactType === SIGSTORE_BUNDLE_V03_MEDIA_TYPE)
    .filter((d) => !seen.has(d.digest) && seen.add(d.digest))
    .slice(0, limits.maxReferrers);
}

async function checkReferrer(
  check: BundleReferrerCheck,
  limits: VerifyLimits,
  descriptor: Descriptor,
): Promise<VerifiedSignature | undefined> {
  const short = `${descriptor.digest.slice(0, 19)}…`;
  const bytes = await check.source.getManifest(descriptor.digest, limits.maxManifestBytes);
  if (bytes === null) throw verifyFailed('tampered', `the referrer ${short} is listed but missing from the mirror`);
  if (sha256Digest(bytes) !== descriptor.digest) throw verifyFailed('tampered', `the referrer manifest does not match its digest ${short}`);
  const parsed = imageManifestSchema.safeParse(parseJson(bytes));
  if (!parsed.success) throw verifyFailed('malformed', `the referrer ${short} is not a manifest`);
  const manifest = parsed.data;
  if ((manifest.artifactType ?? manifest.config.mediaType) !== SIGSTORE_BUNDLE_V03_MEDIA_TYPE) return undefined;
  if (manifest.subject && manifest.subject.digest !== check.digest) {
    throw verifyFailed(
      'digest-mismatch',
      `signature is for another image digest (the referrer's subject is ${manifest.subject.digest.slice(0, 19)}…)`,
    );
  }
  const layer = manifest.layers.find((l) => l.mediaType === SIGSTORE_BUNDLE_V03_MEDIA_TYPE);
  if (!layer) throw verifyFailed('malformed', `the referrer ${short} holds no sigstore bundle layer`);
  if (layer.size > limits.maxBundleBytes)
    throw verifyFailed('malformed', `the sigstore bundle is larger than ${limits.maxBundleBytes} bytes`);
  const bundle = await check.source.getBlob({ digest: layer.digest, size: layer.size });
  if (bundle === null) throw verifyFailed('tampered', `the sigstore bundle ${layer.digest.slice(0, 19)}… is missing from the mirror`);
  if (bundle.length !== layer.size || sha256Digest(bundle) !== layer.digest) {
    throw verifyFailed('tampered', `the sigstore bundle does not match its digest ${layer.digest.slice(0, 19)}…`);
  }
  const verified = verifySigstoreBundle({
    bundle,
    expectedDigests: check.acceptedDigests,
    trustedKeys: check.trustedKeys,
    maxBytes: limits.maxBundleBytes,
  });
  return { format: 'sigstore-bundle', ...verified, signatureManifestDigest: descriptor.digest };
}

/**
 * Returns the first bundle referrer that verifies; `null` when the image has no bundle referrer;
 * throws the most telling SignatureVerifyError when there are some but none passes.
 */
export async function verifyBundleReferrers(check: BundleReferrerCheck): Promise<VerifiedSignature | null> {
  const limits = { ...DEFAULT_VERIFY_LIMITS, ...check.limits };
  const failures: SignatureVerifyError[] = [];
  for (const descriptor of await candidateDescriptors(check, limits)) {
    try {
      const verified = await checkReferrer(check, limits, descriptor);
      if (verified) return verified;
    } catch (error) {
      if (!(error instanceof SignatureVerifyError)) throw error;
      failures.push(error);
    }
  }
  const worst = mostTelling(failures);
  if (worst) throw worst;
  return null;
}
