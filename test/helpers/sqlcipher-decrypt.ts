/**
 * Decrypts what is really on disk: the store's database file and its WAL, page by page, with the raw
 * data key, independently of SQLite. For tests that must show deleted text is gone from the bytes,
 * not just from query results (issue 8, "true deletion").
 *
 * The format (src/store/database.ts: cipher 'sqlcipher', legacy 4, key given as x'…' raw bytes):
 * pages of 4096 bytes; the last 80 of each page are reserved (16-byte IV, then a 64-byte HMAC-SHA512);
 * the rest is AES-256-CBC under the raw key itself (no KDF for a raw key). Page 1 starts with the
 * 16-byte salt in clear, so its ciphertext starts at byte 16 and the plaintext has SQLite's header
 * from byte 16 on. The WAL is a 32-byte header, then frames of a 24-byte frame header and one page.
 */
import { createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export const PAGE_SIZE = 4096;
const RESERVE = 80;
const IV_SIZE = 16;
const SALT_SIZE = 16;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** One page's plaintext (without the reserved area); page 1 keeps its clear salt bytes in front. */
export function decryptPage(page: Buffer, key: Buffer, pageNumber: number): Buffer {
  if (page.length !== PAGE_SIZE) throw new Error(`a page is ${PAGE_SIZE} bytes, got ${page.length}`);
  const start = pageNumber === 1 ? SALT_SIZE : 0;
  const iv = page.subarray(PAGE_SIZE - RESERVE, PAGE_SIZE - RESERVE + IV_SIZE);
  const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(page.subarray(start, PAGE_SIZE - RESERVE)), decipher.final()]);
  return start ? Buffer.concat([page.subarray(0, start), plain]) : plain;
}

/** Page 1's plaintext holds SQLite's header from byte 16: page size 4096 and 80 reserved bytes. Proves the key. */
function checkFirstPage(plain: Buffer, where: string): void {
  if (plain.readUInt16BE(16) !== PAGE_SIZE || plain[20] !== RESERVE) {
    throw new Error(`${where}: page 1 does not decrypt to a SQLite header (wrong key or not SQLCipher 4)`);
  }
}

export interface DecryptedPage {
  pageNumber: number;
  plain: Buffer;
}

export function decryptDatabaseFile(path: string, key: Buffer): DecryptedPage[] {
  const bytes = readFileSync(path);
  if (bytes.length % PAGE_SIZE !== 0) throw new Error(`${path}: ${bytes.length} bytes is not a whole number of pages`);
  const pages: DecryptedPage[] = [];
  for (let i = 0; i * PAGE_SIZE < bytes.length; i++) {
    pages.push({ pageNumber: i + 1, plain: decryptPage(bytes.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), key, i + 1) });
  }
  if (pages[0]) checkFirstPage(pages[0].plain, path);
  return pages;
}

/** Every frame of the WAL, committed or not (an attacker reads them all); [] for a missing or empty WAL. */
export function decryptWalFile(path: string, key: Buffer): DecryptedPage[] {
  if (!existsSync(path)) return [];
  const bytes = readFileSync(path);
  const frames: DecryptedPage[] = [];
  for (let at = WAL_HEADER; at + FRAME_HEADER + PAGE_SIZE <= bytes.length; at += FRAME_HEADER + PAGE_SIZE) {
    const pageNumber = bytes.readUInt32BE(at);
    const plain = decryptPage(bytes.subarray(at + FRAME_HEADER, at + FRAME_HEADER + PAGE_SIZE), key, pageNumber);
    if (pageNumber === 1) checkFirstPage(plain, path);
    frames.push({ pageNumber, plain });
  }
  return frames;
}

/** Which of `texts` occur (as UTF-8) in any decrypted page or frame. A text split across pages is still found page by page: keep texts short. */
export function textsFound(pages: readonly DecryptedPage[], texts: readonly string[]): string[] {
  return texts.filter((t) => pages.some((p) => p.plain.includes(Buffer.from(t, 'utf8'))));
}
