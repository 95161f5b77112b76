/**
 * The one call the import pipeline makes before it fetches any layer: is this image signed by a
 * trusted key? Classic `.sig` signatures and cosign 3 bundle referrers are both looked for, on the
 * image manifest and (for multi-arch images) on the index that lists it.
 */
import { verifyClassicSignatures } from './classic';
import { digestHex } from '../oci';
import { mostTelling, SignatureVerifyError, verifyFailed } from './errors';
import type { TrustedKey } from './keys';
import { verifyBundleReferrers } from './referrers';
import type { SignatureSource, VerifiedSignature, VerifyLimits } from './source';

export interface ImageSignatureCheck {
  source: SignatureSource;
  trustedKeys: readonly TrustedKey[];
  /** The image (platform) manifest digest: the thing that will be loaded. */
  manifestDigest: string;
  /**
   * The index digest, for a multi-arch image: a signature on it counts too. Pass it only when
   * `manifestDigest` was read from that index's bytes and those bytes matched this digest.
   */
  indexDigest?: string;
  formats?: ReadonlyArray<'cosign-classic' | 'sigstore-bundle'>;
  limits?: Partial<VerifyLimits>;
}

/**
 * Resolves with the first signature that verifies. Rejects with a SignatureVerifyError
 * (VERIFY_FAILED) naming the most telling failure, or 'unsigned' when nothing was found.
 * Errors thrown by the source (transport) are passed on unchanged.
 */
export async function verifyImageSignature(check: ImageSignatureCheck): Promise<VerifiedSignature> {
  const digests = [check.manifestDigest, ...(check.indexDigest ? [check.indexDigest] : [])];
  digests.forEach(digestHex);
  if (check.trustedKeys.length === 0) {
    throw verifyFailed('unknown-key', 'no trust roots are configured, so no signature can be accepted');
  }
  const formats = check.formats ?? ['cosign-classic', 'sigstore-bundle'];
  const failures: SignatureVerifyError[] = [];
  for (const digest of digests) {
    const common = { source: check.source, digest, acceptedDigests: digests, trustedKeys: check.trustedKeys, limits: check.limits };
    const attempts = [
      formats.includes('cosign-classic') ? () => verifyClassicSignatures(common) : undefined,
      formats.includes('sigstore-bundle') ? () => verifyBundleReferrers(common) : undefined,
    ];
    for (const attempt of attempts) {
      if (!attempt) continue;
      try {
        const verified = await attempt();
        if (verified) return verified;
      } catch (error) {
        if (!(error instanceof SignatureVerifyError)) throw error;
        failures.push(error);
      }
    }
  }
  throw (
    mostTelling(failures) ??
    verifyFailed(
      'unsigned',
      `the image ${check.manifestDigest.slice(0, 19)}… is unsigned: no cosign signature (.sig tag) and no sigstore bundle referrer was found`,
    )
  );
}
