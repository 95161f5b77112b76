/**
 * One entry point for the three source forms the operator types (`registry://…`, `oci:DIR`,
 * `archive:FILE`).
 */
import { ArchiveSource, type ArchiveSourceOptions } from './archive-source';
import { OciLayoutSource } from './layout-source';
import { RegistrySource, type RegistrySourceOptions } from './registry-source';
import { parseSourceSpec } from './source-url';
import type { MirrorSource } from './types';

export type OpenSourceOptions = RegistrySourceOptions & ArchiveSourceOptions;

export async function openMirrorSource(spec: string, options: OpenSourceOptions = {}): Promise<MirrorSource> {
  const parsed = parseSourceSpec(spec);
  switch (parsed.kind) {
    case 'registry':
      return await RegistrySource.open(parsed.registry, options);
    case 'oci-layout':
      return await OciLayoutSource.open(parsed.dir, options.manifestMaxBytes ? { manifestMaxBytes: options.manifestMaxBytes } : {});
    case 'archive':
      return await ArchiveSource.open(parsed.file, options);
  }
}
