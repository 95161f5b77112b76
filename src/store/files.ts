/** File-system helpers for the home folder: private modes, atomic replace, fsync. */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  chmodSync,
  existsSync,
  readdirSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export interface HomeLayout {
  home: string;
  database: string;
  keyslots: string;
  keyslotsNext: string;
  pendingEvents: string;
  lease: string;
  staging: string;
  /** Records of partial files being written elsewhere (./partials.ts). */
  partials: string;
}

export function layoutOf(home: string): HomeLayout {
  return {
    home,
    database: join(home, 'store.db'),
    keyslots: join(home, 'keyslots.json'),
    keyslotsNext: join(home, 'keyslots.json.next'),
    pendingEvents: join(home, 'pending-events.log'),
    lease: join(home, 'runner.lease'),
    staging: join(home, 'staging'),
    partials: join(home, 'partials'),
  };
}

/** Where a home is by default (the kernel decides, so processes without the store agree). */
export { defaultHome } from '../kernel';

export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
  chmodSync(path, DIR_MODE);
}

export function fsyncDir(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a file 0600 via a temp file, fsync and rename, so readers see old or new, never half. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, FILE_MODE);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function isEmptyOrMissingDir(path: string): boolean {
  if (!existsSync(path)) return true;
  return statSync(path).isDirectory() && readdirSync(path).length === 0;
}

export function removeQuietly(path: string): void {
  rmSync(path, { force: true, recursive: true });
}

/** Tightens every file in the home folder to 0600 (SQLite creates -wal/-shm with the umask). */
export function tightenModes(layout: HomeLayout): void {
  for (const name of readdirSync(layout.home)) {
    const path = join(layout.home, name);
    const st = statSync(path);
    chmodSync(path, st.isDirectory() ? DIR_MODE : FILE_MODE);
  }
}
