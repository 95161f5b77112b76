/**
 * Writes a `docker save` style archive (manifest.json, `<config hex>.json`, `<layer hex>/layer.tar`),
 * which Docker 20.10 and Podman can `load` (Docker 20.10 cannot load OCI archives). Layers are written
 * as fetched: `docker load` detects gzip itself, and skipping a decompress keeps the import fast.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex, sha256Digest, type Digest } from './digest';
import type { BlobSource } from './builder';
import { tarStream, type TarInputEntry } from './tar/writer';

export interface DockerSaveImage {
  configBytes: Buffer;
  /** Layers in manifest order (bottom first). */
  layers: BlobSource[];
  /** `repo:tag` names to give the loaded image; may be empty (load by id). */
  repoTags?: string[];
}

/** Writes the archive to `destPath` (created with mode 0600, must not exist). Returns the image id. */
export async function writeDockerSaveTar(destPath: string, image: DockerSaveImage): Promise<{ imageId: Digest }> {
  const imageId = sha256Digest(image.configBytes);
  const configName = `${digestHex(imageId)}.json`;
  const layerNames = image.layers.map((layer) => `${digestHex(layer.digest)}/layer.tar`);
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: image.repoTags ?? [], Layers: layerNames }]), 'utf8');

  const entries: TarInputEntry[] = [
    { type: 'file', path: configName, mode: 0o644, size: image.configBytes.length, body: image.configBytes },
  ];
  const seen = new Set<string>();
  image.layers.forEach((layer, i) => {
    const name = layerNames[i] as string;
    if (seen.has(name)) return; // the same layer twice in one image: one copy, listed twice
    seen.add(name);
    entries.push({ type: 'directory', path: name.slice(0, -'/layer.tar'.length), mode: 0o755 });
    entries.push({
      type: 'file',
      path: name,
      mode: 0o644,
      size: layer.size,
      body: 'buffer' in layer ? layer.buffer : { path: layer.path },
    });
  });
  entries.push({ type: 'file', path: 'manifest.json', mode: 0o644, size: manifest.length, body: manifest });

  await pipeline(Readable.from(tarStream(entries)), createWriteStream(destPath, { flags: 'wx', mode: 0o600 }));
  return { imageId };
}
