/**
 * What the import accepts as an image manifest (after its signature was checked): a schema-2 image
 * manifest whose config is an image config and whose layers are tar or gzip tar that Docker 20.10
 * can load, within limits. And the engine tag that holds the catalog's reference to the image.
 */
import { ApiError } from '../kernel';
import type { ResolvedManifest } from '../mirror';
import { digestHex, IMAGE_MANIFEST_TYPES, imageManifestSchema, MediaType, type Descriptor } from '../oci';
import type { Codebundle } from './schema';

export interface ImportableManifest {
  config: Descriptor;
  layers: Descriptor[];
  /** Config plus layers, in bytes. */
  size: number;
}

export const IMPORT_LIMITS = {
  maxLayers: 128,
  maxConfigBytes: 4 * 1024 * 1024,
  maxImageBytes: 32 * 1024 ** 3,
};

const CONFIG_TYPES = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);
const LAYER_TYPES = new Set<string>([MediaType.ociLayerTar, MediaType.ociLayerGzip, MediaType.dockerLayerTar, MediaType.dockerLayerGzip]);

export function checkManifestForImport(manifest: ResolvedManifest, limits = IMPORT_LIMITS): ImportableManifest {
  let parsed;
  try {
    parsed = imageManifestSchema.parse(JSON.parse(manifest.bytes.toString('utf8')));
  } catch (error) {
    throw new ApiError('VERIFY_FAILED', `The manifest ${manifest.digest.slice(0, 19)}… is not a valid image manifest.`, { cause: error });
  }
  const what = `The image ${manifest.repository}@${manifest.digest.slice(0, 19)}…`;
  // The manifest's own type, from its mediaType field (else the server's Content-Type): an image
  // manifest of OCI or Docker schema 2, never something else that happens to have config and layers.
  for (const type of new Set([manifest.mediaType, parsed.mediaType ?? manifest.mediaType])) {
    if (!IMAGE_MANIFEST_TYPES.includes(type)) {
      throw new ApiError(
        'VERIFY_FAILED',
        `${what} has the media type ${type.slice(0, 100)}, which is not an image manifest; only ${IMAGE_MANIFEST_TYPES.join(' and ')} are accepted. Ask the publisher for an OCI or Docker image.`,
      );
    }
  }
  if (!CONFIG_TYPES.has(parsed.config.mediaType)) {
    throw new ApiError(
      'VERIFY_FAILED',
      `${what} is not a container image (its config is ${parsed.config.mediaType.slice(0, 100)}); a CodeBundle is an image.`,
    );
  }
  if (parsed.config.size > limits.maxConfigBytes)
    throw new ApiError(
      'VERIFY_FAILED',
      `${what} has a config of ${parsed.config.size} bytes, more than the ${limits.maxConfigBytes} allowed.`,
    );
  if (parsed.layers.length === 0) throw new ApiError('VERIFY_FAILED', `${what} has no layers.`);
  if (parsed.layers.length > limits.maxLayers)
    throw new ApiError('VERIFY_FAILED', `${what} has ${parsed.layers.length} layers, more than the ${limits.maxLayers} allowed.`);
  for (const layer of parsed.layers) {
    if (layer.urls?.length)
      throw new ApiError('VERIFY_FAILED', `${what} has a foreign layer (fetched from elsewhere); only layers in the mirror are accepted.`);
    if (!LAYER_TYPES.has(layer.mediaType)) {
      const zstd = layer.mediaType.includes('zstd');
      throw new ApiError(
        'VERIFY_FAILED',
        `${what} has a layer of type ${layer.mediaType.slice(0, 100)}${zstd ? ', which Docker 20.10 cannot load: ask for a gzip build' : '; only tar and gzip tar layers are accepted'}.`,
      );
    }
  }
  const size = parsed.config.size + parsed.layers.reduce((sum, l) => sum + l.size, 0);
  if (size > limits.maxImageBytes)
    throw new ApiError('VERIFY_FAILED', `${what} is ${size} bytes, more than the ${limits.maxImageBytes} allowed.`);
  return { config: parsed.config, layers: parsed.layers, size };
}

/**
 * `airgap-runner/<name>:<version>-<12 hex of the image id>-<8 of the workstation id>`: keeps the image
 * from being a dangling `<none>` image (which `docker image prune` deletes) and gives each store on a
 * shared engine its own reference, so pruning in one never deletes another's image.
 */
export function engineTagFor(codebundle: Pick<Codebundle, 'name' | 'version'>, imageId: string, workstationId: string): string {
  const version = codebundle.version.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  const station =
    workstationId
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 8) || 'local';
  return `airgap-runner/${codebundle.name}:${version}-${digestHex(imageId).slice(0, 12)}-${station}`;
}
