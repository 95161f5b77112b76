/**
 * The CLI's session token (docs/service.md, "Signing in once"): `login` keeps the id of a session
 * the service holds in a file in the home, 0600, written whole or not at all. The token is only a
 * reference: the keys stay in the service, which ends the session when it is idle too long, on
 * `logout`, and when the service is locked or stops; a token for an ended session is removed the
 * first time the service says so.
 */
import { closeSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { servicePaths } from '../kernel';

export interface SavedSession {
  sessionId: string;
  user: string;
  /** The service process the session lives in (a restarted service knows none of its tokens). */
  servicePid: number;
  createdAt: string;
}

export function tokenPath(home: string): string {
  return servicePaths(home).token;
}

/** The saved session, or null; a file that is not this user's alone (mode 0600) is not trusted. */
export function readToken(home: string): SavedSession | null {
  const path = tokenPath(home);
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.uid !== process.geteuid!() || (st.mode & 0o077) !== 0) return null;
    const saved = JSON.parse(readFileSync(path, 'utf8')) as SavedSession;
    return typeof saved.sessionId === 'string' && typeof saved.user === 'string' ? saved : null;
  } catch {
    return null;
  }
}

export function writeToken(home: string, saved: SavedSession): void {
  const path = tokenPath(home);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.new`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(saved));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function removeToken(home: string): boolean {
  try {
    unlinkSync(tokenPath(home));
    return true;
  } catch {
    return false;
  }
}
