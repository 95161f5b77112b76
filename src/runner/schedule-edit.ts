/**
 * Changes to schedules, as the API makes them (docs/schedules.md): every one checks the seal first
 * and re-seals after, inside the caller's transaction. A schedule is checked like a run before it is
 * kept (bundle, task, tag policy, values, network, reason), so a bad one is refused at once, not at
 * 3 a.m. A read-write task's schedule needs another operator's approval when it is made and again
 * after every change; a change, a resume and an approval move the cursor to now, so nothing from
 * before them fires.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type CoreContext } from '../kernel';
import type { BundlePort } from '../bundles';
import { checkSchedulesSeal, Schedules, type Schedule } from './schedules';
import {
  checkBlackouts,
  checkTiming,
  MAX_JITTER_SECONDS,
  previewOccurrences,
  type Blackout,
  type PreviewedOccurrence,
  type Timing,
} from './schedule-time';
import { checkRun, refuseUnattended, type StartRequest } from './submit';

/** What to run (as `runs.start` takes it, on this workstation's engine) and when. */
export interface ScheduleRequest extends Omit<StartRequest, 'node'> {
  name: string;
  /** Exactly one of cron and everySeconds. */
  cron?: string | undefined;
  everySeconds?: number | undefined;
  timeZone: string;
  blackouts: Blackout[];
  jitterSeconds: number;
  missed: 'once' | 'skip';
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newScheduleId(): string {
  return `s-${[...randomBytes(10)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('')}`;
}

function timingOf(req: Pick<ScheduleRequest, 'cron' | 'everySeconds' | 'timeZone'>, now: string): Timing {
  if ((req.cron === undefined) === (req.everySeconds === undefined)) {
    throw new ApiError(
      'INVALID_INPUT',
      'Give either a cron expression (--cron "*/15 * * * *") or an interval (--every 15m), not both and not neither.',
    );
  }
  const timing: Timing =
    req.cron !== undefined
      ? { kind: 'cron', cron: req.cron.trim(), timeZone: req.timeZone }
      : { kind: 'interval', everySeconds: req.everySeconds!, timeZone: req.timeZone, anchor: now };
  checkTiming(timing);
  return timing;
}

/**
 * The next occurrences a schedule with this timing would have from now, in words in its time zone,
 * each with the blackout that skips it (the form shows them before anything is kept; nothing changes).
 */
export function previewSchedule(
  req: Pick<ScheduleRequest, 'cron' | 'everySeconds' | 'timeZone' | 'blackouts'>,
  now: Date,
  count: number,
): PreviewedOccurrence[] {
  return previewOccurrences(timingOf(req, now.toISOString()), req.blackouts, now, count);
}

/** The checks a schedule passes before it is kept; returns the parts that come from the task. */
function checked(ctx: CoreContext, bundles: BundlePort, req: ScheduleRequest, now: string) {
  const timing = timingOf(req, now);
  checkBlackouts(req.blackouts);
  if (!Number.isInteger(req.jitterSeconds) || req.jitterSeconds < 0 || req.jitterSeconds > MAX_JITTER_SECONDS)
    throw new ApiError('INVALID_INPUT', `Jitter is a whole number of seconds from 0 to ${MAX_JITTER_SECONDS}.`);
  if (timing.kind === 'interval' && req.jitterSeconds >= timing.everySeconds)
    throw new ApiError('INVALID_INPUT', 'Jitter must be shorter than the interval, or runs would change order.');
  const run = checkRun(ctx, bundles, { ...req });
  refuseUnattended(ctx, run);
  return {
    timing,
    access: run.task.access,
    approvalRequired: run.approvalRequired,
    config: run.config.recorded,
    reason: run.reason,
  };
}

/** The parts of a schedule its request decides (checked). */
function requested(ctx: CoreContext, bundles: BundlePort, req: ScheduleRequest, now: string) {
  const c = checked(ctx, bundles, req, now);
  return {
    name: req.name,
    bundle: req.bundle,
    task: req.task,
    access: c.access,
    config: c.config,
    reason: c.reason,
    timing: c.timing,
    blackouts: req.blackouts,
    jitterSeconds: req.jitterSeconds,
    missed: req.missed,
    approvalRequired: c.approvalRequired,
    approvedBy: null,
    approvedAt: null,
  };
}

export function addSchedule(ctx: CoreContext, bundles: BundlePort, req: ScheduleRequest, owner: string, vaultKey: Buffer): Schedule {
  const db: Database = ctx.db;
  checkSchedulesSeal(db, vaultKey);
  const now = ctx.clock.now().toISOString();
  const s: Schedule = {
    id: newScheduleId(),
    ...requested(ctx, bundles, req, now),
    paused: false,
    owner,
    revision: 1,
    createdAt: now,
    updatedAt: now,
    updatedBy: owner,
  };
  const store = new Schedules(db);
  store.put(s, vaultKey);
  store.resetCursor(s.id, now);
  return s;
}

function ownedBy(s: Schedule, user: string, doing: string): void {
  if (s.owner.toLowerCase() !== user.toLowerCase()) {
    throw new ApiError('FORBIDDEN', `Schedule ${s.id} belongs to ${s.owner}; only its owner may ${doing} it (any operator may pause it).`);
  }
}

/** Replaces what the schedule runs and when; a read-write task's schedule waits for approval again. */
export function updateSchedule(
  ctx: CoreContext,
  bundles: BundlePort,
  id: string,
  req: ScheduleRequest,
  by: string,
  vaultKey: Buffer,
): Schedule {
  const store = new Schedules(ctx.db);
  checkSchedulesSeal(ctx.db, vaultKey);
  const old = store.mustGet(id);
  ownedBy(old, by, 'change');
  const now = ctx.clock.now().toISOString();
  const s: Schedule = {
    ...old,
    ...requested(ctx, bundles, req, now),
    revision: old.revision + 1,
    updatedAt: now,
    updatedBy: by,
  };
  store.put(s, vaultKey);
  store.resetCursor(s.id, now);
  return s;
}

export function setPaused(ctx: CoreContext, id: string, paused: boolean, by: string, vaultKey: Buffer): Schedule {
  const store = new Schedules(ctx.db);
  checkSchedulesSeal(ctx.db, vaultKey);
  const old = store.mustGet(id);
  if (!paused) ownedBy(old, by, 'resume');
  if (old.paused === paused) return old;
  const now = ctx.clock.now().toISOString();
  const s: Schedule = { ...old, paused, updatedAt: now, updatedBy: by };
  store.put(s, vaultKey);
  // Occurrences while paused are neither run nor counted as missed.
  if (!paused) store.resetCursor(id, now);
  return s;
}

export function approveSchedule(ctx: CoreContext, id: string, by: string, vaultKey: Buffer): Schedule {
  const store = new Schedules(ctx.db);
  checkSchedulesSeal(ctx.db, vaultKey);
  const old = store.mustGet(id);
  if (old.owner.toLowerCase() === by.toLowerCase() || old.updatedBy.toLowerCase() === by.toLowerCase()) {
    throw new ApiError('FORBIDDEN', 'You made or changed this schedule; another operator or an admin must approve it (two-person rule).');
  }
  if (!old.approvalRequired || old.approvedBy) {
    throw new ApiError(
      'CONFLICT',
      `Schedule ${id} is not waiting for approval${old.approvedBy ? ` (${old.approvedBy} approved it)` : ''}.`,
    );
  }
  const now = ctx.clock.now().toISOString();
  const s: Schedule = { ...old, approvedBy: by, approvedAt: now };
  store.put(s, vaultKey);
  store.resetCursor(id, now);
  return s;
}

export function removeSchedule(ctx: CoreContext, id: string, by: string, vaultKey: Buffer): Schedule {
  const store = new Schedules(ctx.db);
  checkSchedulesSeal(ctx.db, vaultKey);
  const old = store.mustGet(id);
  ownedBy(old, by, 'remove');
  store.remove(id, vaultKey, ctx.clock.now().toISOString());
  return old;
}
