/**
 * Mirror sources: where CodeBundle images come from (ARCHITECTURE.md, "CodeBundles and the offline
 * mirror"). One interface, MirrorSource; three implementations; one opener for the operator's syntax.
 */
export type { MirrorSource, SourceDescription, SourceKind, ResolvedManifest, FetchBlobOptions, Referrers } from './types';
export { DEFAULT_MANIFEST_MAX_BYTES } from './types';
export { openMirrorSource, type OpenSourceOptions } from './open-source';
export { RegistrySource, type RegistrySourceOptions } from './registry-source';
export { OciLayoutSource, type OciLayoutSourceOptions } from './layout-source';
export { ArchiveSource, type ArchiveSourceOptions } from './archive-source';
export type { RegistryCredentials } from './registry-auth';
export { parseSourceSpec, parseRegistryUrl, formatRegistryUrl, isLoopbackHost, type SourceSpec, type RegistryLocation } from './source-url';
export { parseImageRef, checkRepository, checkReference, isRepositoryName, isTag, LAYOUT_DEFAULT_REPOSITORY } from './names';
export { resolvePlatformManifest, type PlatformResolution } from './platform-resolve';
export { writeVerifiedBlob, teeToNewFile } from './verified-blob';
export { MIRROR_SETTINGS, mirrorDeadlines } from './settings';
export { DEFAULT_HTTP_DEADLINES, type HttpDeadlines } from './http-client';
