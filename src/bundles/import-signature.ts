/**
 * The signature step of the import, right after the size-capped manifest and before anything else
 * is fetched or parsed (docs/signatures.md). A signature on the platform manifest or on the index
 * that lists it counts. `docker save` archives carry none: detached files, or the admin setting that
 * makes signatures optional (then the import is recorded as unsigned).
 */
import { ApiError } from '../kernel';
import type { MirrorSource, ResolvedManifest } from '../mirror';
import { SignatureVerifyError, verifyDetachedSignature, verifyImageSignature, type TrustedKey } from '../trust';
import { signatureSourceFor } from './mirror-signatures';
import type { SignatureFormatRecord } from './catalog';

export interface DetachedFiles {
  signature: Buffer;
  payload: Buffer;
}

export interface SignatureOutcome {
  format: SignatureFormatRecord;
  signerFingerprint: string | null;
  signedDigest: string | null;
  /** True when the image came in unsigned because signatures are optional (recorded). */
  signaturesOptionalUsed: boolean;
  /** Why an unsigned image was let in, for the record. */
  note?: string;
}

export interface SignatureCheckInput {
  source: MirrorSource;
  repository: string;
  manifest: ResolvedManifest;
  index?: ResolvedManifest;
  trustedKeys: readonly TrustedKey[];
  signaturesOptional: boolean;
  detached?: DetachedFiles;
  /** Private folder for the few small signature blobs. */
  scratchDir: string;
}

function unsignedAccepted(note: string): SignatureOutcome {
  return { format: 'none', signerFingerprint: null, signedDigest: null, signaturesOptionalUsed: true, note };
}

export async function checkImageSignature(input: SignatureCheckInput): Promise<SignatureOutcome> {
  const digests = [input.manifest.digest, ...(input.index ? [input.index.digest] : [])];
  if (input.detached) {
    const verified = verifyDetachedSignature({ ...input.detached, expectedDigests: digests, trustedKeys: input.trustedKeys });
    return {
      format: 'detached',
      signerFingerprint: verified.signerFingerprint,
      signedDigest: verified.signedDigest,
      signaturesOptionalUsed: false,
    };
  }
  if (input.manifest.synthetic) {
    if (input.signaturesOptional) {
      return unsignedAccepted('a docker save archive carries no signature; accepted because an admin made signatures optional');
    }
    throw new ApiError(
      'VERIFY_FAILED',
      `Signature check failed: ${input.source.describe().location} is a docker save archive, which carries no signature, so the image ${input.manifest.digest.slice(0, 19)}… is unsigned. Give the detached cosign files (--signature FILE --payload FILE, signed for the digest \`mirror list\` shows), carry an OCI archive with its signature instead, or ask an admin to make signatures optional (recorded). See docs/import.md.`,
    );
  }
  try {
    const verified = await verifyImageSignature({
      source: signatureSourceFor(input.source, input.repository, { scratchDir: input.scratchDir }),
      trustedKeys: input.trustedKeys,
      manifestDigest: input.manifest.digest,
      ...(input.index ? { indexDigest: input.index.digest } : {}),
    });
    return {
      format: verified.format,
      signerFingerprint: verified.signerFingerprint,
      signedDigest: verified.signedDigest,
      signaturesOptionalUsed: false,
    };
  } catch (error) {
    // Optional signatures let in what is unsigned (or signed by a key the site does not know), never
    // what a signature says was altered or belongs to another image.
    if (
      input.signaturesOptional &&
      error instanceof SignatureVerifyError &&
      (error.reason === 'unsigned' || error.reason === 'unknown-key')
    ) {
      return unsignedAccepted(`accepted without a trusted signature (${error.reason}) because an admin made signatures optional`);
    }
    throw error;
  }
}
