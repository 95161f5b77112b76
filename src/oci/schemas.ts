/**
 * zod schemas for the OCI/Docker JSON documents the mirror reads. Only the fields we use are
 * checked; unknown fields are kept out of the typed result (the raw bytes stay the source of truth
 * for digests and signatures).
 */
import { z } from 'zod';
import { isDigest, type Digest } from './digest';

export const digestSchema = z
  .string()
  .refine((value): value is Digest => isDigest(value), { message: 'must be sha256:<64 lower-case hex characters>' });

const annotationsSchema = z.record(z.string(), z.string());

export const platformSchema = z.object({
  architecture: z.string().min(1),
  os: z.string().min(1),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});
export type Platform = z.infer<typeof platformSchema>;

export const descriptorSchema = z.object({
  mediaType: z.string().min(1),
  digest: digestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  annotations: annotationsSchema.optional(),
  artifactType: z.string().optional(),
  platform: platformSchema.optional(),
  urls: z.array(z.string()).optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});
export type ImageIndex = z.infer<typeof imageIndexSchema>;

export const imageConfigSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  config: z
    .object({
      User: z.string().optional(),
      Env: z.array(z.string()).nullish(),
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().optional(),
      Labels: z.record(z.string(), z.string()).nullish(),
    })
    .optional(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digestSchema) }),
});
export type ImageConfig = z.infer<typeof imageConfigSchema>;

export const ociLayoutFileSchema = z.object({ imageLayoutVersion: z.literal('1.0.0') });

/** One entry of a `docker save` manifest.json. */
export const dockerSaveEntrySchema = z.object({
  Config: z.string().min(1),
  RepoTags: z.array(z.string()).nullish(),
  Layers: z.array(z.string().min(1)),
});
export const dockerSaveManifestSchema = z.array(dockerSaveEntrySchema);
export type DockerSaveEntry = z.infer<typeof dockerSaveEntrySchema>;
