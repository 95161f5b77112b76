/**
 * Backup: one file holding the keyslot file (already protected by passwords and the recovery
 * key) and a consistent copy of the database (pages encrypted under the data key), the whole
 * wrapped in AES-256-GCM under a key derived from the data key, so any damage is detected.
 *
 *   "AIRGAP-RUNNER-BACKUP/1\n" | u32 header length | header JSON | keyslots JSON | ciphertext | 16-byte tag
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../kernel';
import { hkdf } from './crypto';
import { FILE_MODE, removeQuietly } from './files';
import type { Store } from './store';

const MAGIC = Buffer.from('AIRGAP-RUNNER-BACKUP/1\n', 'utf8');
const MAX_HEADER = 64 * 1024;
const MAX_KEYSLOTS = 4 * 1024 * 1024;

const headerSchema = z
  .object({
    format: z.literal('airgap-runner/backup'),
    version: z.literal(1),
    createdAt: z.string(),
    keyslotsBytes: z.number().int().min(1).max(MAX_KEYSLOTS),
    iv: z.string(),
    salt: z.string(),
  })
  .strict();

type Header = z.infer<typeof headerSchema>;

function backupKey(dataKey: Buffer, salt: string): Buffer {
  return hkdf(dataKey, Buffer.from(salt, 'base64'), 'airgap-runner/backup/v1');
}

/** Streams `dbCopyPath` (an encrypted VACUUM INTO copy) into the backup file at outPath, atomically. */
export async function writeBackup(outPath: string, dbCopyPath: string, keyslotsText: string, dataKey: Buffer, createdAt: string) {
  const keyslots = Buffer.from(keyslotsText, 'utf8');
  const header: Header = {
    format: 'airgap-runner/backup',
    version: 1,
    createdAt,
    keyslotsBytes: keyslots.length,
    iv: randomBytes(12).toString('base64'),
    salt: randomBytes(16).toString('base64'),
  };
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(headerBuf.length);
  const prefix = Buffer.concat([MAGIC, len, headerBuf, keyslots]);
  const cipher = createCipheriv('aes-256-gcm', backupKey(dataKey, header.salt), Buffer.from(header.iv, 'base64'));
  cipher.setAAD(prefix);
  const tmp = `${outPath}.partial-${process.pid}`;
  const hash = createHash('sha256');
  try {
    const out = createWriteStream(tmp, { mode: FILE_MODE });
    out.write(prefix);
    hash.update(prefix);
    const tee = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        // The cipher stream has ended (pipeline called its final) before this flush runs.
        const tag = cipher.getAuthTag();
        hash.update(tag);
        this.push(tag);
        cb();
      },
    });
    await pipeline(createReadStream(dbCopyPath), cipher, tee, out);
    renameSync(tmp, outPath);
  } catch (error) {
    removeQuietly(tmp);
    throw new ApiError(
      'INVALID_INPUT',
      `Could not write the backup to ${outPath}: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}. Check the folder exists and is writable; nothing was left behind.`,
    );
  }
  return { path: outPath, bytes: statSync(outPath).size, sha256: hash.digest('hex') };
}

export interface BackupParts {
  header: Header;
  keyslotsText: string;
  prefix: Buffer;
  bodyStart: number;
  bodyEnd: number; // exclusive, before the tag
  tag: Buffer;
}

const DAMAGED = 'This file is not an Airgap Runner backup or it is damaged. Nothing was restored; check you copied the whole file.';

/** Reads the clear parts of a backup: the header and the keyslot file. */
export function readBackupParts(path: string): BackupParts {
  if (!existsSync(path)) throw new ApiError('NOT_FOUND', `No file at ${path}. Check the path of the backup file.`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, MAGIC.length + 4));
    readSync(fd, head, 0, head.length, 0);
    if (head.length < MAGIC.length + 4 || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new ApiError('VERIFY_FAILED', DAMAGED);
    const headerLen = head.readUInt32BE(MAGIC.length);
    if (headerLen > MAX_HEADER) throw new ApiError('VERIFY_FAILED', DAMAGED);
    const headerBuf = Buffer.alloc(headerLen);
    readSync(fd, headerBuf, 0, headerLen, MAGIC.length + 4);
    let header: Header;
    try {
      header = headerSchema.parse(JSON.parse(headerBuf.toString('utf8')));
    } catch {
      throw new ApiError('VERIFY_FAILED', DAMAGED);
    }
    const bodyStart = MAGIC.length + 4 + headerLen + header.keyslotsBytes;
    if (size < bodyStart + 16) throw new ApiError('VERIFY_FAILED', DAMAGED);
    const keyslots = Buffer.alloc(header.keyslotsBytes);
    readSync(fd, keyslots, 0, keyslots.length, MAGIC.length + 4 + headerLen);
    const prefix = Buffer.alloc(bodyStart);
    readSync(fd, prefix, 0, bodyStart, 0);
    const tag = Buffer.alloc(16);
    readSync(fd, tag, 0, 16, size - 16);
    return { header, keyslotsText: keyslots.toString('utf8'), prefix, bodyStart, bodyEnd: size - 16, tag };
  } finally {
    closeSync(fd);
  }
}

/** Decrypts the database copy to destPath; refuses (and removes it) when anything was altered. */
export async function extractBackupDatabase(path: string, parts: BackupParts, dataKey: Buffer, destPath: string): Promise<void> {
  const decipher = createDecipheriv('aes-256-gcm', backupKey(dataKey, parts.header.salt), Buffer.from(parts.header.iv, 'base64'));
  decipher.setAAD(parts.prefix);
  decipher.setAuthTag(parts.tag);
  const tmp = `${destPath}.partial`;
  try {
    if (parts.bodyEnd <= parts.bodyStart) throw new Error('empty');
    await pipeline(
      createReadStream(path, { start: parts.bodyStart, end: parts.bodyEnd - 1 }),
      decipher,
      createWriteStream(tmp, { mode: FILE_MODE }),
    );
    renameSync(tmp, destPath);
  } catch {
    removeQuietly(tmp);
    throw new ApiError('VERIFY_FAILED', DAMAGED);
  }
}

/**
 * A backup of the open store: a consistent copy made with VACUUM INTO (still encrypted under the
 * same data key, inside the private home), streamed into the backup file, then removed.
 */
export async function backupStore(
  store: Store,
  outPath: string,
  dataKey: Buffer,
  createdAt: string,
): Promise<{ path: string; bytes: number; sha256: string }> {
  const copy = join(store.layout.home, `backup-copy-${process.pid}.db`);
  removeQuietly(copy);
  try {
    store.db.prepare('VACUUM INTO ?').run(copy);
    return await writeBackup(outPath, copy, store.keyslotFileText(), dataKey, createdAt);
  } finally {
    removeQuietly(copy);
  }
}
