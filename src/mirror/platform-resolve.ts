/**
 * Multi-arch: when a reference resolves to an index (OCI index or Docker manifest list), pick the
 * manifest for the engine's platform and fetch it by digest. A signature on either the index or the
 * platform manifest counts (issue 4), so both are returned.
 */
import { ApiError } from '../kernel';
import { DEFAULT_PLATFORM, imageIndexSchema, isIndexMediaType, selectPlatformManifest, type PlatformWanted } from '../oci';
import type { MirrorSource, ResolvedManifest } from './types';

export interface PlatformResolution {
  /** The index the reference resolved to, when it was one. */
  index?: ResolvedManifest;
  /** The single-platform image manifest. */
  manifest: ResolvedManifest;
}

export async function resolvePlatformManifest(
  source: MirrorSource,
  resolved: ResolvedManifest,
  platform: PlatformWanted = DEFAULT_PLATFORM,
): Promise<PlatformResolution> {
  if (!isIndexMediaType(resolved.mediaType)) return { manifest: resolved };
  let index;
  try {
    index = imageIndexSchema.parse(JSON.parse(resolved.bytes.toString('utf8')));
  } catch {
    throw new ApiError('VERIFY_FAILED', `The index of ${resolved.repository}@${resolved.digest} is not a valid OCI index.`);
  }
  const chosen = selectPlatformManifest(index, platform);
  const wanted = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  if (!chosen) {
    throw new ApiError(
      'NOT_FOUND',
      `${resolved.repository}@${resolved.digest} has no image for ${wanted}. Ask the publisher for a ${wanted} build.`,
    );
  }
  const manifest = await source.getManifest(resolved.repository, chosen.digest);
  if (isIndexMediaType(manifest.mediaType)) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The ${wanted} entry of ${resolved.repository}@${resolved.digest} is itself an index; nested indexes are not accepted.`,
    );
  }
  return { index: resolved, manifest };
}
