/**
 * Builds an OCI image FROM scratch: gzip layers, a config and a manifest, deterministically (the same
 * input always gives the same manifest digest). Used by the sample tooling, the tests and the
 * benchmark; the product itself never builds images.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, sha256Digest, type Digest } from './digest';
import { buildLayer, type BuiltLayer, type ImageFile, type ImageSymlink, type LayerSpec } from './layer';
import { MediaType } from './media-types';
import type { ImageManifest } from './schemas';

export interface ImageConfigInput {
  /** Default "65534" (nobody). */
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  labels?: Record<string, string>;
  /** `KEY=value` strings. */
  env?: string[];
  workingDir?: string;
}

export interface BuildImageInput {
  /** Files and symlinks of the first layer. */
  files?: ImageFile[];
  symlinks?: ImageSymlink[];
  /** Further layers, in order, after the first. */
  layers?: LayerSpec[];
  config: ImageConfigInput;
  platform?: { os: string; architecture: string; variant?: string };
  /** Where to write layer blobs (`<hex>` files). Without it layers are kept in memory. */
  outDir?: string;
  gzipLevel?: number;
  annotations?: Record<string, string>;
}

export interface BuiltImage {
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestDigest: Digest;
  mediaType: string;
  config: Record<string, unknown>;
  configBytes: Buffer;
  configDigest: Digest;
  layers: BuiltLayer[];
}

/** The bytes of a blob of a built image, from memory or disk. */
export type BlobSource = { digest: Digest; size: number } & ({ buffer: Buffer } | { path: string });

export function imageBlobs(image: BuiltImage): BlobSource[] {
  const config: BlobSource = { digest: image.configDigest, size: image.configBytes.length, buffer: image.configBytes };
  const layers = image.layers.map((layer): BlobSource => {
    if (layer.buffer) return { digest: layer.digest, size: layer.size, buffer: layer.buffer };
    if (layer.path) return { digest: layer.digest, size: layer.size, path: layer.path };
    throw new Error(`Layer ${layer.digest} has neither bytes nor a file.`);
  });
  return [config, ...layers];
}

export async function buildImage(input: BuildImageInput): Promise<BuiltImage> {
  if (input.outDir) await mkdir(input.outDir, { recursive: true });
  const output = { outDir: input.outDir, gzipLevel: input.gzipLevel };
  const specs: LayerSpec[] = [];
  if ((input.files?.length ?? 0) > 0 || (input.symlinks?.length ?? 0) > 0) {
    specs.push({ files: input.files, symlinks: input.symlinks });
  }
  specs.push(...(input.layers ?? []));
  if (specs.length === 0) throw new Error('An image needs at least one layer.');
  const layers: BuiltLayer[] = [];
  for (const spec of specs) layers.push(await buildLayer(spec, output));

  const platform = input.platform ?? { os: 'linux', architecture: 'amd64' };
  const c = input.config;
  const config: Record<string, unknown> = {
    created: '1970-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      User: c.user ?? '65534',
      Env: c.env ?? ['PATH=/bin'],
      ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}),
      ...(c.cmd ? { Cmd: c.cmd } : {}),
      WorkingDir: c.workingDir ?? '/',
      Labels: Object.fromEntries(Object.entries(c.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'airgap-runner buildImage' })),
  };
  const configBytes = Buffer.from(JSON.stringify(config), 'utf8');
  const configDigest = sha256Digest(configBytes);
  if (input.outDir) await writeFile(join(input.outDir, digestHex(configDigest)), configBytes);

  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(input.annotations ? { annotations: input.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  return {
    manifest,
    manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    mediaType: MediaType.ociManifest,
    config,
    configBytes,
    configDigest,
    layers,
  };
}
