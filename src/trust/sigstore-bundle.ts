/**
 * cosign 3's default format: a sigstore bundle (v0.3) holding a DSSE envelope whose payload is an
 * in-toto statement about the image digest, with predicate type https://sigstore.dev/cosign/sign/v1.
 * The bundle is checked by @sigstore/verify against the trusted PEM keys, with transparency-log,
 * certificate-transparency and timestamp thresholds at 0: the site is offline and its trust is in
 * its keys, as `cosign verify --key … --insecure-ignore-tlog` would do.
 */
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, Verifier, type TrustMaterial } from '@sigstore/verify';
import { requireTrustedKeys } from './classic';
import { verifyFailed } from './errors';
import {
  ACCEPTED_BUNDLE_MEDIA_TYPES,
  COSIGN_SIGN_PREDICATE_TYPE,
  decodeBase64,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPES,
  inTotoStatementSchema,
  parseJson,
} from './formats';
import { sigstoreHintForFingerprint, type TrustedKey } from './keys';
import type { VerifiedSignature } from './source';

export interface BundleInput {
  /** The bundle JSON bytes (the referrer's layer, or a `.sigstore.json` file). */
  bundle: Uint8Array | string;
  /** Digests the statement may name (the image, and the index that lists it). */
  expectedDigests: readonly string[];
  trustedKeys: readonly TrustedKey[];
  maxBytes?: number;
}

const DEFAULT_MAX_BUNDLE_BYTES = 1024 * 1024;

/** Trust material holding one key, whatever hint the bundle carries (as cosign's --key does). */
function trustMaterialFor(key: TrustedKey): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key.keyObject, validFor: () => true }),
  };
}

function parseBundle(input: BundleInput): Bundle {
  const size = typeof input.bundle === 'string' ? Buffer.byteLength(input.bundle) : input.bundle.length;
  const max = input.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  if (size > max) throw verifyFailed('malformed', `the sigstore bundle is larger than ${max} bytes`);
  const json = parseJson(input.bundle);
  if (typeof json !== 'object' || json === null) throw verifyFailed('malformed', 'the sigstore bundle is not JSON');
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !ACCEPTED_BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    throw verifyFailed(
      'malformed',
      `the sigstore bundle has media type ${JSON.stringify(mediaType)?.slice(0, 80)}, expected a v0.3 bundle`,
    );
  }
  try {
    return bundleFromJSON(json);
  } catch (error) {
    throw verifyFailed('malformed', 'the sigstore bundle is incomplete or invalid', error);
  }
}

/** Keys whose fingerprint matches the bundle's hint first; the hint itself is never trusted. */
function orderByHint(keys: readonly TrustedKey[], hint: string): TrustedKey[] {
  return [...keys].sort(
    (a, b) => Number(sigstoreHintForFingerprint(b.fingerprint) === hint) - Number(sigstoreHintForFingerprint(a.fingerprint) === hint),
  );
}

function describeHint(hint: string): string {
  const raw = decodeBase64(hint);
  return raw?.length === 32 ? ` (key fingerprint ${raw.toString('hex')})` : '';
}

/** Verifies a cosign 3 signature bundle for one of `expectedDigests`. Throws SignatureVerifyError. */
export function verifySigstoreBundle(input: BundleInput): Omit<VerifiedSignature, 'format'> {
  requireTrustedKeys(input.trustedKeys);
  const bundle = parseBundle(input);
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw verifyFailed('wrong-type', 'the sigstore bundle signs a blob (message signature), not an image');
  }
  const material = bundle.verificationMaterial.content;
  if (material.$case !== 'publicKey') {
    throw verifyFailed('unknown-key', 'the sigstore bundle is signed with a certificate (keyless); only public keys are trust roots here');
  }
  // Offline: transparency-log entries and timestamps are neither required nor checked.
  const offline: Bundle = {
    ...bundle,
    verificationMaterial: { ...bundle.verificationMaterial, tlogEntries: [], timestampVerificationData: undefined },
  };
  const entity = toSignedEntity(offline);
  const hint = material.publicKey.hint;
  let signer: TrustedKey | undefined;
  for (const key of orderByHint(input.trustedKeys, hint)) {
    try {
      new Verifier(trustMaterialFor(key), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(entity);
      signer = key;
      break;
    } catch {
      // try the next trusted key
    }
  }
  if (!signer) {
    const hinted = input.trustedKeys.some((key) => sigstoreHintForFingerprint(key.fingerprint) === hint);
    if (hinted)
      throw verifyFailed(
        'bad-signature',
        'the sigstore bundle names a trusted key but its signature does not verify: the statement or signature was altered',
      );
    throw verifyFailed('unknown-key', `the sigstore bundle is signed by a key that is not a trust root${describeHint(hint)}`);
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw verifyFailed('wrong-type', `the signed envelope holds ${envelope.payloadType.slice(0, 80)}, not an in-toto statement`);
  }
  const statement = inTotoStatementSchema.safeParse(parseJson(envelope.payload));
  if (!statement.success || !IN_TOTO_STATEMENT_TYPES.includes(statement.data._type)) {
    throw verifyFailed('malformed', 'the signed envelope does not hold an in-toto statement');
  }
  if (statement.data.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) {
    throw verifyFailed(
      'wrong-type',
      `the signed statement has predicate type "${statement.data.predicateType.slice(0, 120)}", not cosign's signature type ${COSIGN_SIGN_PREDICATE_TYPE}`,
    );
  }
  const named = statement.data.subject.flatMap((s) => (s.digest.sha256 ? [`sha256:${s.digest.sha256}`] : []));
  const signedDigest = named.find((digest) => input.expectedDigests.includes(digest));
  if (!signedDigest) {
    const shown = named[0] ? `${named[0].slice(0, 19)}…` : 'no sha256 digest';
    throw verifyFailed(
      'digest-mismatch',
      `signature is for another image digest (${shown}, expected ${input.expectedDigests.map((d) => `${d.slice(0, 19)}…`).join(' or ')})`,
    );
  }
  return { signerFingerprint: signer.fingerprint, signedDigest };
}
