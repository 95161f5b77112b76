/**
 * Events that happen while the store is locked (THREAT_MODEL.md): a failed sign-in cannot write
 * to the encrypted store, so it goes to an append-only file. Each line carries only a time, a
 * salted hash of the attempted name (for throttling across processes) and the attempted name
 * sealed to a public key whose private half lives inside the database: readable only after a
 * successful unlock, which takes the events into the chain as `unauthenticated`.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync, ftruncateSync, chmodSync, renameSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { openSealed, sealTo, type SealedBox, FILE_MODE } from '../store';

const CONTEXT = 'airgap-runner/pending-event/v1';

interface Line {
  v: 1;
  id: string;
  t: string;
  h: string;
  box: SealedBox;
}

export interface PendingEvent {
  id: string;
  time: string;
  nameHash: string;
  name: string;
  reason: string;
}

export function appendPending(path: string, publicKey: string, e: { time: Date; nameHash: string; name: string; reason: string }): void {
  const line: Line = {
    v: 1,
    id: randomUUID(),
    t: e.time.toISOString(),
    h: e.nameHash,
    box: sealTo(publicKey, Buffer.from(JSON.stringify({ name: e.name, reason: e.reason })), CONTEXT),
  };
  const fd = openSync(path, 'a', FILE_MODE);
  try {
    writeSync(fd, `${JSON.stringify(line)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, FILE_MODE);
}

function readLines(path: string): Line[] {
  if (!existsSync(path)) return [];
  const out: Line[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (!text.trim()) continue;
    try {
      const l = JSON.parse(text) as Line;
      if (l && l.v === 1 && typeof l.t === 'string' && typeof l.h === 'string') out.push(l);
    } catch {
      // A torn last line (crash mid-append) is skipped, not fatal.
    }
  }
  return out;
}

/** Failures recorded for this name hash: the times, oldest first. */
export function failureTimes(path: string, nameHash: string): number[] {
  return readLines(path)
    .filter((l) => l.h === nameHash)
    .map((l) => Date.parse(l.t))
    .filter((t) => Number.isFinite(t));
}

/**
 * Throttling: the first 3 failures cost nothing extra; after that each attempt must wait
 * 2^(n-3) seconds (capped at 5 minutes) after the previous failure for the same name.
 */
export function throttleWaitMs(times: number[], nowMs: number): number {
  const n = times.length;
  if (n < 3) return 0;
  const delay = Math.min(2 ** (n - 3) * 1000, 5 * 60 * 1000);
  const last = times[n - 1]!;
  return Math.max(0, last + delay - nowMs);
}

/** Opens every pending line with the private key; unreadable lines are reported, not dropped silently. */
export function readPending(path: string, privateKey: Buffer, publicKey: string): { events: PendingEvent[]; unreadable: number } {
  const events: PendingEvent[] = [];
  let unreadable = 0;
  for (const l of readLines(path)) {
    const plain = openSealed(privateKey, publicKey, l.box, CONTEXT);
    if (!plain) {
      unreadable += 1;
      continue;
    }
    const body = JSON.parse(plain.toString('utf8')) as { name: string; reason: string };
    events.push({ id: l.id, time: l.t, nameHash: l.h, name: body.name, reason: body.reason });
  }
  return { events, unreadable };
}

/**
 * After a successful sign-in: forgets the failures of that name only (THREAT_MODEL.md: a success for
 * one name does not clear another's throttle). Every line is already in the chain by then. Returns
 * the id of the last line kept, so the chain's "taken in up to" marker still points into the file.
 */
export function forgetPendingFor(path: string, nameHash: string): string | null {
  const lines = readLines(path);
  const keep = lines.filter((l) => l.h !== nameHash);
  if (keep.length === lines.length) return keep[keep.length - 1]?.id ?? null;
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    writeSync(fd, keep.map((l) => `${JSON.stringify(l)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return keep[keep.length - 1]?.id ?? null;
}

export function clearPending(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
