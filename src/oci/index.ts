/**
 * OCI building blocks shared by the product (src/mirror, the import pipeline) and the sample tooling:
 * media types, digests, schemas, a strict tar reader and a tar writer, an image builder and writers
 * for OCI layouts, registries and docker-save archives.
 */
export * from './media-types';
export * from './digest';
export * from './schemas';
export * from './platform';
export { readTar, type TarEntry, type TarReadOptions } from './tar/reader';
export { tarStream, type TarInputEntry, type TarBody } from './tar/writer';
export { TarError, type TarRefusal } from './tar/errors';
export { normalizeEntryPath } from './tar/paths';
export { seededRandomBytes } from './random';
export { buildLayer, type BuiltLayer, type ImageFile, type ImageSymlink, type LayerSpec } from './layer';
export { buildImage, imageBlobs, type BuildImageInput, type BuiltImage, type BlobSource, type ImageConfigInput } from './builder';
export { artifactFromImage, artifactFromManifest, type OciArtifact } from './artifact';
export { writeOciLayout, type LayoutEntry } from './layout-writer';
export { pushToRegistry, type PushOptions, type PushResult } from './registry-push';
export { writeDockerSaveTar, type DockerSaveImage } from './docker-save';
