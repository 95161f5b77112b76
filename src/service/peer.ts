/**
 * Who is on the other end of the service's socket (docs/service.md, "Who may connect"). Node has no
 * SO_PEERCRED, so three things are checked for every connection, and a connection that fails any
 * of them is refused before it can send a request:
 *  1. the socket file is still a socket, owned by this process's uid, mode 0600 (connect() needs
 *     write permission on it, so the kernel itself keeps other uids out, root aside);
 *  2. the folder holding it is owned by this uid and writable by nobody else (no one could swap it);
 *  3. the peer's uid, found the way `ss -xp` finds it: this end's socket inode (readlink of
 *     /proc/self/fd/N), the peer's inode from the kernel's unix socket diagnostics (`ss -xpn`), the
 *     process holding that inode, and its effective uid in /proc/PID/status. The peer must be this
 *     uid; root is not let in either. A peer that cannot be seen (another uid's process, which a
 *     non-root service cannot inspect) is refused.
 */
import { execFile } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Socket } from 'node:net';

export interface PeerVerdict {
  ok: boolean;
  /** Why it was refused (for the service's log; the peer gets a short refusal). */
  why: string;
  uid?: number;
  pid?: number;
}

const SS_TIMEOUT_MS = 3000;

/** Checks 1 and 2: the socket file and its folder are this uid's alone. */
export function checkSocketFile(path: string, uid = process.geteuid!()): string | null {
  try {
    const sock = lstatSync(path);
    if (!sock.isSocket()) return `${path} is not a socket`;
    if (sock.uid !== uid) return `${path} is owned by uid ${sock.uid}, not ${uid}`;
    if ((sock.mode & 0o077) !== 0) return `${path} has mode ${(sock.mode & 0o777).toString(8)}, not 600`;
    const dir = lstatSync(dirname(path));
    if (!dir.isDirectory() || dir.uid !== uid) return `${dirname(path)} is not a folder owned by uid ${uid}`;
    if ((dir.mode & 0o022) !== 0) return `${dirname(path)} is writable by others (mode ${(dir.mode & 0o777).toString(8)})`;
    return null;
  } catch (error) {
    return `${path}: ${(error as Error).message}`;
  }
}

/** The inode of the socket behind a file descriptor of this process. */
function inodeOfFd(fd: number): string | null {
  try {
    return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? null;
  } catch {
    return null;
  }
}

async function unixSockets(): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    execFile('ss', ['-xpnH'], { timeout: SS_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(new Error(error.message));
      else resolve(stdout);
    });
  });
}

/**
 * From `ss -xpnH` lines ("u_str ESTAB 0 0 PATH|* LOCAL_INODE PEERPATH|* PEER_INODE users:((…pid=N…))"):
 * the inode of the peer of `local`, then the pids holding that peer inode.
 */
export function peerPidsFrom(ss: string, local: string): number[] | null {
  // The local address may hold spaces (a home path); the peer address is "*" for unix sockets.
  const row = /^\S+\s+\S+\s+\d+\s+\d+\s+.*?\s(\d+)\s+\S+\s+(\d+)(?:\s+(.*))?$/;
  const rows = ss
    .split('\n')
    .map((line) => row.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ inode: m[1]!, peer: m[2]!, users: m[3] ?? '' }));
  const mine = rows.find((r) => r.inode === local);
  if (!mine) return null;
  const theirs = rows.find((r) => r.inode === mine.peer);
  if (!theirs) return [];
  return [...theirs.users.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

function effectiveUidOf(pid: number): number | null {
  try {
    const line = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line ? Number(line[2]) : null;
  } catch {
    return null;
  }
}

/** Check 3: the peer's process and effective uid; refused unless it is this uid. */
export async function checkPeer(socket: Socket, uid = process.geteuid!()): Promise<PeerVerdict> {
  if (process.platform !== 'linux') return { ok: false, why: 'peer credentials are only checked on Linux; the service runs only there' };
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  const local = typeof fd === 'number' && fd >= 0 ? inodeOfFd(fd) : null;
  if (!local) return { ok: false, why: "this end's socket inode could not be read" };
  let pids: number[] | null;
  try {
    pids = peerPidsFrom(await unixSockets(), local);
  } catch (error) {
    return { ok: false, why: `ss could not list unix sockets (${(error as Error).message})` };
  }
  if (!pids || pids.length === 0) return { ok: false, why: 'the peer process could not be seen (another user, or it left)' };
  for (const pid of pids) {
    const peerUid = effectiveUidOf(pid);
    if (peerUid !== uid)
      return {
        ok: false,
        why: `peer pid ${pid} runs as uid ${peerUid ?? 'unknown'}, not ${uid}`,
        pid,
        ...(peerUid === null ? {} : { uid: peerUid }),
      };
  }
  return { ok: true, why: '', uid, pid: pids[0]! };
}
