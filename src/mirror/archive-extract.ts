/**
 * Unpacks an archive (tar, or gzip-compressed tar) with the strict tar reader into a fresh private
 * folder (mkdtemp, 0700; files 0600, created exclusively, never through a link). Anything the reader
 * refuses (`..`, absolute paths, symlinks, hard links, devices, duplicates, oversize, truncation)
 * aborts the whole extraction and the folder is removed: nothing is left behind.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { ApiError } from '../kernel';
import { readTar, type Digest, type TarReadOptions } from '../oci';

export interface ExtractedFile {
  digest: Digest;
  size: number;
}

export interface Extracted {
  dir: string;
  /** Every regular file, by its normalised path, with the sha256 computed while writing it. */
  files: Map<string, ExtractedFile>;
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

export async function extractArchive(file: string, options: { stagingParent?: string } & TarReadOptions = {}): Promise<Extracted> {
  try {
    await open(file, constants.O_RDONLY).then((h) => h.close());
  } catch {
    throw new ApiError('NOT_FOUND', `The archive ${file} cannot be opened. Check the path and its permissions.`);
  }
  const dir = await mkdtemp(join(options.stagingParent ?? tmpdir(), 'airgap-archive-'));
  const files = new Map<string, ExtractedFile>();
  try {
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    const source = (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
    const made = new Set<string>(['']);
    const ensureDir = async (rel: string): Promise<void> => {
      if (made.has(rel)) return;
      await mkdir(join(dir, rel), { recursive: true, mode: 0o700 });
      let p = rel;
      while (p && !made.has(p)) {
        made.add(p);
        p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      }
    };
    try {
      for await (const entry of readTar(source as AsyncIterable<Buffer>, { ...options, allowSymlinks: false })) {
        if (entry.type === 'directory') {
          await ensureDir(entry.path);
          continue;
        }
        const slash = entry.path.lastIndexOf('/');
        await ensureDir(slash < 0 ? '' : entry.path.slice(0, slash));
        const handle = await open(
          join(dir, entry.path),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        const hash = createHash('sha256');
        try {
          for await (const chunk of entry.body()) {
            hash.update(chunk);
            let offset = 0;
            while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
          }
        } finally {
          await handle.close();
        }
        files.set(entry.path, { digest: `sha256:${hash.digest('hex')}`, size: entry.size });
      }
    } catch (error) {
      raw.destroy();
      if ((error as { code?: string }).code === 'Z_DATA_ERROR') {
        throw new ApiError('VERIFY_FAILED', `The archive ${file} is not valid gzip data; it is corrupt or truncated.`, { cause: error });
      }
      throw error;
    }
    return { dir, files };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
