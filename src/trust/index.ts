/**
 * Trust: trust roots (PEM public keys) and signature verification for CodeBundle images.
 * Everything here is pure over bytes a mirror source hands in; see SignatureSource.
 */
export { SignatureVerifyError, verifyFailed, type VerifyFailureReason } from './errors';
export {
  COSIGN_SIGN_PREDICATE_TYPE,
  COSIGN_SIGNATURE_ANNOTATION,
  COSIGN_SIGNATURE_TYPE,
  COSIGN_SIMPLESIGNING_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
  type Descriptor,
} from './formats';
export { keyFingerprint, parseTrustedKeyPem, sigstoreHintForFingerprint, type KeyAlgorithm, type TrustedKey } from './keys';
export { verifyClassicSignatures, verifySimpleSigning, type ClassicCheck, type SimpleSigningInput } from './classic';
export { verifySigstoreBundle, type BundleInput } from './sigstore-bundle';
export { verifyBundleReferrers, type BundleReferrerCheck } from './referrers';
export { verifyDetachedSignature, type DetachedInput } from './detached';
export { verifyImageSignature, type ImageSignatureCheck } from './verify';
export { DEFAULT_VERIFY_LIMITS, type SignatureFormat, type SignatureSource, type VerifiedSignature, type VerifyLimits } from './source';
