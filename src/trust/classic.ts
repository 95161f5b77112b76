/**
 * cosign's classic key-based format: an OCI manifest at tag `sha256-<hex>.sig` whose every layer is
 * a simple-signing payload (`application/vnd.dev.cosign.simplesigning.v1+json`) with its base64
 * signature in the `dev.cosignproject.cosign/signature` annotation.
 */
import { sha256Digest, signatureTagFor } from '../oci';
import { mostTelling, SignatureVerifyError, verifyFailed } from './errors';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  COSIGN_SIGNATURE_TYPE,
  COSIGN_SIMPLESIGNING_MEDIA_TYPE,
  decodeBase64,
  imageManifestSchema,
  parseJson,
  simpleSigningPayloadSchema,
} from './formats';
import { findSigningKey, type TrustedKey } from './keys';
import { DEFAULT_VERIFY_LIMITS, type SignatureSource, type VerifiedSignature, type VerifyLimits } from './source';

export interface SimpleSigningInput {
  /** The payload bytes exactly as signed. */
  payload: Uint8Array;
  /** The signature: raw bytes, or base64 text as cosign writes it. */
  signature: Uint8Array | string;
  /** Digests the signature may cover (the image, and the index that lists it). */
  expectedDigests: readonly string[];
  trustedKeys: readonly TrustedKey[];
}

export function requireTrustedKeys(keys: readonly TrustedKey[]): void {
  if (keys.length === 0) {
    throw verifyFailed('unknown-key', 'no trust roots are configured, so no signature can be accepted');
  }
}

function shortDigest(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}

/**
 * Verifies one simple-signing payload: the signature against any trusted key (before the payload is
 * even parsed), then `critical.type` and `critical.image.docker-manifest-digest`.
 */
export function verifySimpleSigning(input: SimpleSigningInput): Omit<VerifiedSignature, 'format'> {
  requireTrustedKeys(input.trustedKeys);
  const signature = typeof input.signature === 'string' ? decodeBase64(input.signature) : input.signature;
  if (!signature || signature.length === 0) throw verifyFailed('malformed', 'the signature is not valid base64');
  const key = findSigningKey(input.trustedKeys, input.payload, signature);
  if (!key) {
    throw verifyFailed(
      'unknown-key',
      `the signature verifies with none of the ${input.trustedKeys.length} trusted key(s): it was made with a key that is not a trust root, or the payload or signature was altered`,
    );
  }
  const parsed = simpleSigningPayloadSchema.safeParse(parseJson(input.payload));
  if (!parsed.success) throw verifyFailed('malformed', 'the signed payload is not a simple-signing document');
  const { critical } = parsed.data;
  if (critical.type !== COSIGN_SIGNATURE_TYPE) {
    throw verifyFailed('wrong-type', `the signed payload has type "${critical.type.slice(0, 80)}", not "${COSIGN_SIGNATURE_TYPE}"`);
  }
  const signedDigest = critical.image['docker-manifest-digest'];
  if (!input.expectedDigests.includes(signedDigest)) {
    throw verifyFailed(
      'digest-mismatch',
      `signature is for another image digest (${shortDigest(signedDigest)}, expected ${input.expectedDigests.map(shortDigest).join(' or ')})`,
    );
  }
  return { signerFingerprint: key.fingerprint, signedDigest, dockerReference: critical.identity['docker-reference'] };
}

export interface ClassicCheck {
  source: SignatureSource;
  /** The digest whose `.sig` tag is read. */
  digest: string;
  /** Digests a payload may name (include `digest`). */
  acceptedDigests: readonly string[];
  trustedKeys: readonly TrustedKey[];
  limits?: Partial<VerifyLimits>;
}

/**
 * Reads `sha256-<hex>.sig` and returns the first signature that verifies. `null` when there is no
 * such tag; throws the most telling SignatureVerifyError when there are signatures but none passes.
 */
export async function verifyClassicSignatures(check: ClassicCheck): Promise<VerifiedSignature | null> {
  const limits = { ...DEFAULT_VERIFY_LIMITS, ...check.limits };
  const manifestBytes = await check.source.getManifest(signatureTagFor(check.digest), limits.maxManifestBytes);
  if (manifestBytes === null) return null;
  const manifest = imageManifestSchema.safeParse(parseJson(manifestBytes));
  if (!manifest.success) throw verifyFailed('malformed', `the manifest at tag ${signatureTagFor(check.digest)} is not an image manifest`);
  const layers = manifest.data.layers.filter((layer) => layer.mediaType === COSIGN_SIMPLESIGNING_MEDIA_TYPE);
  if (layers.length === 0) {
    throw verifyFailed('malformed', `the manifest at tag ${signatureTagFor(check.digest)} holds no simple-signing layer`);
  }
  const failures: SignatureVerifyError[] = [];
  for (const layer of layers.slice(0, limits.maxSignatures)) {
    try {
      const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
      if (signature === undefined)
        throw verifyFailed('malformed', `layer ${shortDigest(layer.digest)} has no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
      if (layer.size > limits.maxPayloadBytes) {
        throw verifyFailed('malformed', `the signed payload ${shortDigest(layer.digest)} is larger than ${limits.maxPayloadBytes} bytes`);
      }
      const payload = await check.source.getBlob({ digest: layer.digest, size: layer.size });
      if (payload === null) throw verifyFailed('tampered', `the signed payload ${shortDigest(layer.digest)} is missing from the mirror`);
      if (payload.length !== layer.size || sha256Digest(payload) !== layer.digest) {
        throw verifyFailed('tampered', `the signed payload does not match its digest ${shortDigest(layer.digest)}`);
      }
      const verified = verifySimpleSigning({
        payload,
        signature,
        expectedDigests: check.acceptedDigests,
        trustedKeys: check.trustedKeys,
      });
      return { format: 'cosign-classic', ...verified, signatureManifestDigest: sha256Digest(manifestBytes) };
    } catch (error) {
      // Only verification failures are collected; a source's transport errors pass on unchanged.
      if (!(error instanceof SignatureVerifyError)) throw error;
      failures.push(error);
    }
  }
  throw mostTelling(failures) ?? verifyFailed('unsigned', 'no classic signature was found');
}
