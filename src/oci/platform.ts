/**
 * Picks the manifest for one platform out of a multi-arch index (OCI index or Docker manifest list).
 */
import type { Descriptor, ImageIndex } from './schemas';
import { isImageManifestMediaType } from './media-types';

export interface PlatformWanted {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: PlatformWanted = { os: 'linux', architecture: 'amd64' };

/** Maps Node's process.arch to the OCI architecture name. */
export function hostPlatform(): PlatformWanted {
  const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' }[process.arch as string];
  return { os: 'linux', architecture: arch ?? process.arch };
}

/**
 * Returns the descriptor for `wanted`, or undefined. An exact variant match wins over an entry without
 * a variant; attestation manifests (platform unknown/unknown) never match.
 */
export function selectPlatformManifest(index: ImageIndex, wanted: PlatformWanted = DEFAULT_PLATFORM): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (d) => isImageManifestMediaType(d.mediaType) && d.platform?.os === wanted.os && d.platform.architecture === wanted.architecture,
  );
  if (wanted.variant) {
    return candidates.find((d) => d.platform?.variant === wanted.variant) ?? candidates.find((d) => !d.platform?.variant);
  }
  return candidates.find((d) => !d.platform?.variant) ?? candidates[0];
}
