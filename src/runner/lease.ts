/**
 * The runner lease (ARCHITECTURE.md, "Process model"): one runner per store. A lock file in the home
 * (`runner.lease`) names the holder's instance id, pid, host and a heartbeat. Whoever holds it owns
 * execution and recovery; another process gets LOCKED for `run` (reads never need the lease).
 *
 * Taking the lease is an O_EXCL create. A lease whose holder is dead (same host: no such pid, a
 * zombie, or a reused pid with another start time) or whose heartbeat is older than `staleMs` is
 * taken over; takeovers are serialised by a second O_EXCL file so two processes never both win.
 * Every heartbeat checks the file still names this instance; if not, the lease was lost.
 */
import { closeSync, existsSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApiError } from '../kernel';

export interface LeaseHolder {
  instanceId: string;
  pid: number;
  host: string;
  /** Linux: the process start time (clock ticks since boot), so a reused pid is not taken for the holder. */
  procStart?: string;
  startedAt: string;
  heartbeatAt: string;
}

export interface LeaseOptions {
  instanceId?: string;
  heartbeatMs?: number;
  staleMs?: number;
  now?: () => Date;
}

const DEFAULT_HEARTBEAT_MS = 2000;
const DEFAULT_STALE_MS = 15_000;
const TAKEOVER_STALE_MS = 30_000;

function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Whether the holder's process is certainly gone (only decidable on this host). */
export function holderIsDead(holder: LeaseHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const state = procState(holder.pid);
  if (state === 'Z' || state === 'X') return true;
  if (holder.procStart && state !== undefined && procStartOf(holder.pid) !== holder.procStart) return true;
  return false;
}

export function readLease(path: string): LeaseHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LeaseHolder;
    return typeof parsed.instanceId === 'string' && typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/** Creates `path` with its content in one step (link of a finished temp file): never seen half-written. */
function writeNew(path: string, holder: LeaseHolder): boolean {
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.new`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

export function describeHolder(holder: LeaseHolder, now: Date): string {
  const ago = Math.max(0, Math.round((now.getTime() - Date.parse(holder.heartbeatAt)) / 1000));
  return `pid ${holder.pid} on ${holder.host}, instance ${holder.instanceId.slice(0, 8)}, last heartbeat ${ago} s ago`;
}

function lockedError(holder: LeaseHolder | null, now: Date): ApiError {
  const who = holder ? ` (${describeHolder(holder, now)})` : '';
  return new ApiError(
    'LOCKED',
    `Another process holds the runner lease for this store${who}: it runs the tasks. Start the run there (the desktop app), or wait until it ends. Reading runs, logs and the catalog still works.`,
  );
}

export class Lease {
  private timer: NodeJS.Timeout | null = null;
  private lost = false;
  private readonly lostListeners = new Set<() => void>();

  private constructor(
    readonly path: string,
    private holder: LeaseHolder,
    private readonly now: () => Date,
  ) {}

  get instanceId(): string {
    return this.holder.instanceId;
  }

  get held(): boolean {
    return this.timer !== null && !this.lost;
  }

  /** Takes the lease or throws LOCKED naming the holder. */
  static acquire(path: string, options: LeaseOptions = {}): Lease {
    const now = options.now ?? (() => new Date());
    const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    const at = now().toISOString();
    const holder: LeaseHolder = {
      instanceId: options.instanceId ?? randomUUID(),
      pid: process.pid,
      host: hostname(),
      procStart: procStartOf(process.pid),
      startedAt: at,
      heartbeatAt: at,
    };
    if (!writeNew(path, holder)) {
      const current = readLease(path);
      const stale = current === null || holderIsDead(current) || now().getTime() - Date.parse(current.heartbeatAt) > staleMs;
      if (!stale) throw lockedError(current, now());
      if (!Lease.takeOver(path, holder, current, staleMs, now)) throw lockedError(readLease(path), now());
    }
    const lease = new Lease(path, holder, now);
    lease.timer = setInterval(() => lease.beat(), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    lease.timer.unref();
    return lease;
  }

  /** Replaces a stale lease, one taker at a time. */
  private static takeOver(path: string, holder: LeaseHolder, seen: LeaseHolder | null, staleMs: number, now: () => Date): boolean {
    const lock = `${path}.takeover`;
    try {
      if (existsSync(lock) && now().getTime() - statSync(lock).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(lock);
    } catch {
      // Another taker removed it first.
    }
    if (!writeNew(lock, holder)) return false;
    try {
      const current = readLease(path);
      const unchanged =
        (current === null && seen === null) || (current !== null && seen !== null && current.instanceId === seen.instanceId);
      const stillStale = current === null || holderIsDead(current) || now().getTime() - Date.parse(current.heartbeatAt) > staleMs;
      if (!unchanged || !stillStale) return false;
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
      return writeNew(path, holder);
    } finally {
      try {
        unlinkSync(lock);
      } catch {
        // Nothing to remove.
      }
    }
  }

  /** Who holds the lease now (null when nobody or the holder is dead). */
  static holder(path: string, options: { staleMs?: number; now?: () => Date } = {}): LeaseHolder | null {
    const current = readLease(path);
    if (!current) return null;
    const now = options.now ?? (() => new Date());
    if (holderIsDead(current) || now().getTime() - Date.parse(current.heartbeatAt) > (options.staleMs ?? DEFAULT_STALE_MS)) return null;
    return current;
  }

  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Refreshes the heartbeat; notices when another process took the lease. */
  beat(): void {
    if (this.lost || this.timer === null) return;
    const current = readLease(this.path);
    if (!current || current.instanceId !== this.holder.instanceId) {
      this.lost = true;
      for (const l of this.lostListeners) l();
      return;
    }
    this.holder = { ...this.holder, heartbeatAt: this.now().toISOString() };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(this.holder));
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch {
      // A missed heartbeat is retried at the next tick; staleness allows several.
    }
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.lost) return;
    const current = readLease(this.path);
    if (current?.instanceId === this.holder.instanceId) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone.
      }
    }
  }
}
