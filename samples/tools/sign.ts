/**
 * SAMPLE SIGNING TOOLING — not product code: the product only verifies.
 *
 * Produces, byte for byte in the layout cosign writes, what `cosign sign --key` pushes to a registry,
 * so that samples and tests need no cosign binary:
 *  - signClassic: the classic format (cosign 2, or cosign 3 with --new-bundle-format=false): an OCI
 *    manifest for tag `sha256-<hex>.sig` with one simple-signing layer carrying its signature in the
 *    `dev.cosignproject.cosign/signature` annotation, and its config blob.
 *  - signBundle: cosign 3's default: a sigstore bundle v0.3 (DSSE envelope around an in-toto
 *    statement, predicate https://sigstore.dev/cosign/sign/v1, verification material publicKey.hint)
 *    as the single layer of an OCI 1.1 referrer manifest (artifactType
 *    application/vnd.dev.sigstore.bundle.v0.3+json, subject = the image), plus the
 *    `sha256-<hex>` fallback tag for registries without the referrers API (buildReferrersIndex).
 *  - signDetached: the `--output-payload` / `--output-signature` files for `docker save` archives.
 * No transparency log and no timestamp: as `cosign sign --tlog-upload=false` on an offline site.
 */
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** An OCI descriptor, fields in the order go-containerregistry writes them. */
export interface OciDescriptor {
  mediaType: string;
  size: number;
  digest: string;
  annotations?: Record<string, string>;
  artifactType?: string;
}

/** A manifest ready to push: its exact bytes, and every blob it references (config included). */
export interface OciArtifact {
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: { digest: string; mediaType: string; bytes: Buffer };
  /** Blobs keyed by `sha256:<hex>`, config included. */
  blobs: Map<string, Buffer>;
}

export interface ClassicSignature extends OciArtifact {
  /** The tag cosign pushes the manifest to: `sha256-<hex>.sig`. */
  tag: string;
  payload: Buffer;
  /** Base64 signature, as in the annotation. */
  signature: string;
}

export interface BundleSignature extends OciArtifact {
  /** The OCI 1.1 referrers fallback tag for the subject: `sha256-<hex>` (push buildReferrersIndex there). */
  fallbackTag: string;
  artifactType: string;
  /** The bundle JSON (the manifest's one layer). */
  bundle: Buffer;
  /** This manifest's descriptor as it appears in a referrers response or the fallback index. */
  descriptor: OciDescriptor;
}

export interface DetachedSignature {
  /** The `--output-payload` file. */
  payload: Buffer;
  /** The `--output-signature` file: base64, no newline. */
  signature: Buffer;
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function hexOf(digest: string): string {
  const match = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!match?.[1]) throw new Error(`not a sha256 digest: ${digest}`);
  return match[1];
}

/** Signs as cosign's signer does for the key's type (ECDSA: SHA-256/384 ASN.1 DER; RSA: PKCS#1 v1.5 SHA-256). */
function signBytes(key: KeyObject, data: Buffer): Buffer {
  if (key.asymmetricKeyType === 'ed25519') return sign(null, data, key);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const hash = curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
  return sign(hash, data, key);
}

function loadKey(privateKeyPem: string | Buffer): KeyObject {
  return createPrivateKey({ key: privateKeyPem, format: 'pem' });
}

/** The hint cosign 3 writes: base64(SHA-256(SPKI DER of the public key)). */
export function publicKeyHint(privateKeyPem: string | Buffer): string {
  const der = createPublicKey(loadKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** sigstore's payload.Cosign marshalling: Go struct field order, `optional` null or sorted keys. */
export function simpleSigningPayload(manifestDigest: string, dockerReference: string, annotations?: Record<string, string>): Buffer {
  hexOf(manifestDigest);
  const optional = annotations
    ? Object.fromEntries(
        Object.keys(annotations)
          .sort()
          .map((k) => [k, annotations[k]]),
      )
    : null;
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': manifestDigest },
        type: 'cosign container image signature',
      },
      optional,
    }),
  );
}

function descriptor(mediaType: string, bytes: Buffer, extra: Omit<OciDescriptor, 'mediaType' | 'size' | 'digest'> = {}): OciDescriptor {
  return { mediaType, size: bytes.length, digest: sha256Digest(bytes), ...extra };
}

export interface SignClassicInput {
  manifestDigest: string;
  /** Repository without tag or digest, e.g. `localhost:5000/bundles/host-health`. */
  dockerReference: string;
  privateKeyPem: string | Buffer;
  /** `cosign sign -a key=value` annotations (go into the payload's `optional`). */
  annotations?: Record<string, string>;
}

export function signClassic(input: SignClassicInput): ClassicSignature {
  const payload = simpleSigningPayload(input.manifestDigest, input.dockerReference, input.annotations);
  const signature = signBytes(loadKey(input.privateKeyPem), payload).toString('base64');
  const layer = descriptor(MEDIA_TYPES.simpleSigning, payload, { annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature } });
  // go-containerregistry's empty image plus one layer, created at the zero time (cosign's default).
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      config: {},
    }),
  );
  const config = descriptor(MEDIA_TYPES.ociConfig, configBytes);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }));
  return {
    manifest,
    manifestDigest: sha256Digest(manifest),
    manifestMediaType: MEDIA_TYPES.ociManifest,
    config: { digest: config.digest, mediaType: config.mediaType, bytes: configBytes },
    blobs: new Map([
      [config.digest, configBytes],
      [layer.digest, payload],
    ]),
    tag: `sha256-${hexOf(input.manifestDigest)}.sig`,
    payload,
    signature,
  };
}

/** DSSE pre-authentication encoding. */
function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The statement cosign 3 signs (protojson field order; empty annotations and predicate kept). */
export function cosignSignStatement(manifestDigest: string, predicateType = COSIGN_SIGN_PREDICATE_TYPE): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ digest: { sha256: hexOf(manifestDigest) }, annotations: {} }],
      predicateType,
      predicate: {},
    }),
  );
}

/** A sigstore bundle v0.3 around a DSSE envelope of `statement`, with public-key verification material. */
export function sigstoreBundle(statement: Buffer, privateKeyPem: string | Buffer): Buffer {
  const sig = signBytes(loadKey(privateKeyPem), pae(IN_TOTO_PAYLOAD_TYPE, statement));
  return Buffer.from(
    JSON.stringify({
      mediaType: MEDIA_TYPES.sigstoreBundle,
      verificationMaterial: { publicKey: { hint: publicKeyHint(privateKeyPem) } },
      dsseEnvelope: {
        payload: statement.toString('base64'),
        payloadType: IN_TOTO_PAYLOAD_TYPE,
        signatures: [{ sig: sig.toString('base64') }],
      },
    }),
  );
}

export interface SignBundleInput {
  manifestDigest: string;
  manifestSize: number;
  manifestMediaType: string;
  privateKeyPem: string | Buffer;
  /** `org.opencontainers.image.created`; defaults to now (cosign uses the signing time). */
  created?: Date;
  /** For negative tests only: sign another predicate type. */
  predicateType?: string;
}

export function signBundle(input: SignBundleInput): BundleSignature {
  const predicateType = input.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  const bundle = sigstoreBundle(cosignSignStatement(input.manifestDigest, predicateType), input.privateKeyPem);
  const configBytes = Buffer.from('{}');
  const config = descriptor(MEDIA_TYPES.ociEmpty, configBytes, { artifactType: MEDIA_TYPES.sigstoreBundle });
  const bundleDigest = sha256Digest(bundle);
  const layer = descriptor(MEDIA_TYPES.sigstoreBundle, bundle, {
    annotations: { 'org.opencontainers.image.title': `sha256-${hexOf(bundleDigest)}.sigstore.json` },
  });
  const annotations = {
    'dev.sigstore.bundle.content': 'dsse-envelope',
    'dev.sigstore.bundle.predicateType': predicateType,
    'org.opencontainers.image.created': (input.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const subject = { mediaType: input.manifestMediaType, size: input.manifestSize, digest: input.manifestDigest };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config,
      layers: [layer],
      annotations,
      subject,
      artifactType: MEDIA_TYPES.sigstoreBundle,
    }),
  );
  return {
    manifest,
    manifestDigest: sha256Digest(manifest),
    manifestMediaType: MEDIA_TYPES.ociManifest,
    config: { digest: config.digest, mediaType: config.mediaType, bytes: configBytes },
    blobs: new Map([
      [config.digest, configBytes],
      [layer.digest, bundle],
    ]),
    fallbackTag: `sha256-${hexOf(input.manifestDigest)}`,
    artifactType: MEDIA_TYPES.sigstoreBundle,
    bundle,
    descriptor: descriptor(MEDIA_TYPES.ociManifest, manifest, { annotations, artifactType: MEDIA_TYPES.sigstoreBundle }),
  };
}

/** The OCI 1.1 referrers tag-schema index to push at `fallbackTag` (all referrers of one subject). */
export function buildReferrersIndex(referrers: readonly OciDescriptor[]): { manifest: Buffer; manifestDigest: string; mediaType: string } {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: referrers }));
  return { manifest, manifestDigest: sha256Digest(manifest), mediaType: MEDIA_TYPES.ociIndex };
}

/** What `cosign sign --key K --output-payload P --output-signature S` writes for an archive's image. */
export function signDetached(input: SignClassicInput): DetachedSignature {
  const payload = simpleSigningPayload(input.manifestDigest, input.dockerReference, input.annotations);
  return { payload, signature: Buffer.from(signBytes(loadKey(input.privateKeyPem), payload).toString('base64')) };
}
