/**
 * Writes (or adds to) an OCI image layout: `oci-layout`, `index.json`, `blobs/sha256/<hex>`.
 * Tags are recorded as `org.opencontainers.image.ref.name` annotations; a mirror holding several
 * repositories uses `REPO:TAG` ref names (skopeo reads them as `oci:DIR:REPO:TAG`).
 */
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciArtifact } from './artifact';
import { digestHex } from './digest';
import { MediaType, REF_NAME_ANNOTATION } from './media-types';
import { imageIndexSchema, type Descriptor } from './schemas';

export interface LayoutEntry {
  artifact: OciArtifact;
  /** Ref names for index.json (`REPO:TAG` or a bare tag). None: listed by digest only. */
  refs?: string[];
}

async function hasBlob(path: string, size: number): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() && info.size === size;
  } catch {
    return false;
  }
}

async function readIndex(dir: string): Promise<Descriptor[]> {
  try {
    const text = await readFile(join(dir, 'index.json'), 'utf8');
    return imageIndexSchema.parse(JSON.parse(text)).manifests;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function writeOciLayout(dir: string, entries: LayoutEntry[]): Promise<void> {
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const newRefs = new Set(entries.flatMap((e) => e.refs ?? []));
  const newDigests = new Set(entries.map((e) => e.artifact.manifestDigest));
  const manifests = (await readIndex(dir)).filter((d) => {
    const ref = d.annotations?.[REF_NAME_ANNOTATION];
    return ref ? !newRefs.has(ref) : !newDigests.has(d.digest);
  });

  for (const { artifact, refs } of entries) {
    for (const blob of artifact.blobs) {
      const target = join(blobDir, digestHex(blob.digest));
      if (await hasBlob(target, blob.size)) continue;
      const tmp = `${target}.tmp`;
      if ('buffer' in blob) await writeFile(tmp, blob.buffer);
      else await copyFile(blob.path, tmp);
      await rename(tmp, target);
    }
    await writeFile(join(blobDir, digestHex(artifact.manifestDigest)), artifact.manifestBytes);
    const base: Descriptor = {
      mediaType: artifact.mediaType,
      digest: artifact.manifestDigest,
      size: artifact.manifestBytes.length,
      ...(artifact.artifactType ? { artifactType: artifact.artifactType } : {}),
    };
    if (!refs || refs.length === 0) manifests.push(base);
    for (const ref of refs ?? []) manifests.push({ ...base, annotations: { [REF_NAME_ANNOTATION]: ref } });
  }
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  await writeFile(join(dir, 'index.json.tmp'), JSON.stringify(index, null, 1));
  await rename(join(dir, 'index.json.tmp'), join(dir, 'index.json'));
}
