/**
 * The wire formats cosign writes, as constants and minimal zod schemas. Only the fields the checks
 * use are typed; the raw bytes stay the source of truth for digests and signatures.
 */
import { z } from 'zod';
import { MediaType, type descriptorSchema } from '../oci';

/** The OCI schemas are oci's; trust checks signature manifests and referrer indexes against them. */
export { imageIndexSchema, imageManifestSchema } from '../oci';
/** A descriptor as a signature source hands it in; its digest is checked against the bytes it names. */
export type Descriptor = z.input<typeof descriptorSchema>;

/** Layer media type of a classic cosign signature (one layer per signature). */
export const COSIGN_SIMPLESIGNING_MEDIA_TYPE = MediaType.cosignSimpleSigning;
/** Layer annotation holding the base64 signature over the layer's payload bytes. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** `critical.type` of a simple-signing payload made by `cosign sign`. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** artifactType of cosign 3's referrer manifest, and media type of its one layer (the bundle JSON). */
export const SIGSTORE_BUNDLE_V03_MEDIA_TYPE = MediaType.sigstoreBundle;
/** Bundle media types accepted inside the JSON (`mediaType` field). */
export const ACCEPTED_BUNDLE_MEDIA_TYPES: readonly string[] = [
  SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
];
/** The predicate type of the in-toto statement that `cosign sign` (v3, bundle format) signs. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPES: readonly string[] = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];
/** Manifest annotations cosign 3 puts on a bundle referrer. */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

/** The simple-signing payload (containers/image "JSON data format"), as cosign writes it. */
export const simpleSigningPayloadSchema = z.object({
  critical: z.object({
    identity: z.object({ 'docker-reference': z.string() }),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type SimpleSigningPayload = z.infer<typeof simpleSigningPayloadSchema>;

export const inTotoStatementSchema = z.object({
  _type: z.string(),
  subject: z.array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).min(1),
  predicateType: z.string(),
  predicate: z.unknown().optional(),
});

/** Parses JSON, returning undefined instead of throwing. */
export function parseJson(bytes: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Strict standard base64 (cosign's encoding); undefined when the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length % 4 !== 0 || !BASE64_RE.test(trimmed)) return undefined;
  return Buffer.from(trimmed, 'base64');
}
