/**
 * Opening files inside a folder we were handed (an OCI layout, an extracted archive) without letting
 * a symlink take us outside it: the folder's own `blobs/sha256` chain is checked once (real folders,
 * no links), and each file is opened with O_NOFOLLOW and must be a regular file.
 */
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../kernel';

export async function checkRealDirectory(path: string, label: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    throw new ApiError('NOT_FOUND', `${label} has no folder ${path}. Is it an OCI image layout?`);
  }
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new ApiError('VERIFY_FAILED', `${path} in ${label} is a link or not a folder; refused so nothing outside the mirror is read.`);
  }
}

/** Opens `dir/name` for reading, refusing links and anything but a regular file. */
export async function openRegularFile(dir: string, name: string, label: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ApiError('NOT_FOUND', `${label} is not in the mirror.`);
    if (code === 'ELOOP') throw new ApiError('VERIFY_FAILED', `${label} is a symbolic link in the mirror; refused.`);
    throw new ApiError('NOT_FOUND', `${label} cannot be opened (${code ?? 'error'}).`, { cause: error });
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new ApiError('VERIFY_FAILED', `${label} is not a regular file in the mirror; refused.`);
  }
  return { handle, size: info.size };
}

/** Reads a whole small file, refusing more than `maxBytes`. */
export async function readSmallFile(dir: string, name: string, label: string, maxBytes: number, tooBig: () => ApiError): Promise<Buffer> {
  const { handle, size } = await openRegularFile(dir, name, label);
  try {
    if (size > maxBytes) throw tooBig();
    const buffer = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}
