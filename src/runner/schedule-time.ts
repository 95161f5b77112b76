/**
 * When a schedule's occurrences fall (docs/schedules.md), pure over time: a cron expression in an
 * explicit IANA time zone (croner does the daylight-saving arithmetic: a time that does not exist on
 * the spring-forward day fires at the first minute after the gap, a time that exists twice on the
 * fall-back day fires once, at its first instant), or a fixed interval from an anchor; blackout
 * windows (local dates, absolute ranges, recurring weekly windows) in the same time zone; and a
 * jitter that is a pure function of the schedule and the occurrence, so a restart neither moves nor
 * repeats a run.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { ApiError } from '../kernel';

export type Timing =
  { kind: 'cron'; cron: string; timeZone: string } | { kind: 'interval'; everySeconds: number; timeZone: string; anchor: string };

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type Blackout =
  /** Whole local days (YYYY-MM-DD) in the schedule's time zone. */
  | { kind: 'dates'; dates: string[]; label?: string | undefined }
  /** An absolute range of instants: from inclusive, to exclusive. */
  | { kind: 'range'; from: string; to: string; label?: string | undefined }
  /** Every listed weekday (all days when empty) from start to end, local HH:MM; end before start crosses midnight. */
  | { kind: 'weekly'; days: Weekday[]; start: string; end: string; label?: string | undefined };

export const MIN_INTERVAL_SECONDS = 60;
export const MAX_JITTER_SECONDS = 3600;
/** An occurrence whose fire time is older than this when it is handled was missed (the runner was down or locked). */
export const GRACE_MS = 2 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A 24-hour en-GB formatter in a time zone, kept per zone and shape (RangeError for an unknown zone). */
function zoned(timeZone: string, shape: 'parts' | 'words'): Intl.DateTimeFormat {
  const key = `${shape}\n${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const day =
      shape === 'parts'
        ? ({ year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' } as const)
        : ({ year: 'numeric', month: 'long', day: 'numeric', weekday: 'long', timeZoneName: 'shortOffset' } as const);
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', ...day });
    formatters.set(key, f);
  }
  return f;
}

const formatter = (timeZone: string) => zoned(timeZone, 'parts');

export function checkTimeZone(timeZone: string): void {
  try {
    formatter(timeZone);
  } catch {
    throw new ApiError('INVALID_INPUT', `"${timeZone}" is not an IANA time zone. Give one such as Europe/Berlin, America/New_York or UTC.`);
  }
}

/** The local date, weekday and minute of the day of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): { date: string; weekday: Weekday; minutes: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: String(parts.weekday).slice(0, 3).toLowerCase() as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function cronOf(timing: Extract<Timing, { kind: 'cron' }>): Cron {
  try {
    return new Cron(timing.cron, { timezone: timing.timeZone, paused: true, mode: '5-part' });
  } catch (error) {
    throw new ApiError(
      'INVALID_INPUT',
      `"${timing.cron}" is not a cron expression this runner reads (${error instanceof Error ? error.message : String(error)}). Use five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *" or "30 2 * * 1-5".`,
    );
  }
}

/** Refuses a timing that cannot produce occurrences, saying what to give instead. */
export function checkTiming(timing: Timing): void {
  checkTimeZone(timing.timeZone);
  if (timing.kind === 'cron') {
    if (!cronOf(timing).nextRun(new Date())) {
      throw new ApiError('INVALID_INPUT', `The cron expression "${timing.cron}" never fires again. Give one with a future occurrence.`);
    }
    return;
  }
  if (!Number.isInteger(timing.everySeconds) || timing.everySeconds < MIN_INTERVAL_SECONDS) {
    throw new ApiError('INVALID_INPUT', `An interval is a whole number of seconds, at least ${MIN_INTERVAL_SECONDS}.`);
  }
  if (Number.isNaN(Date.parse(timing.anchor))) throw new ApiError('INVALID_INPUT', 'The interval anchor is not a time.');
}

/** The first occurrence strictly after `after`, or null when there is none. */
export function nextOccurrence(timing: Timing, after: Date): Date | null {
  if (timing.kind === 'cron') return cronOf(timing).nextRun(after);
  const anchor = Date.parse(timing.anchor);
  const every = timing.everySeconds * 1000;
  const k = after.getTime() < anchor ? 0 : Math.floor((after.getTime() - anchor) / every) + 1;
  return new Date(anchor + k * every);
}

/** The jitter of one occurrence, in milliseconds: the same every time it is asked (no repeat, no drift after a restart). */
export function jitterMs(scheduleId: string, occurrence: Date, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  const h = createHash('sha256').update(`${scheduleId}\n${occurrence.toISOString()}`).digest();
  return Math.floor((h.readUInt32BE(0) / 2 ** 32) * jitterSeconds * 1000);
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new ApiError('INVALID_INPUT', `"${hhmm}" is not a time of day: use HH:MM, 24-hour (e.g. 22:00).`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function checkBlackouts(blackouts: readonly Blackout[]): void {
  for (const b of blackouts) {
    if (b.kind === 'dates') {
      const bad = b.dates.find((d) => !DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)));
      if (bad !== undefined || b.dates.length === 0)
        throw new ApiError(
          'INVALID_INPUT',
          `Blackout dates are days as YYYY-MM-DD (e.g. 2026-12-24)${bad ? `; "${bad}" is not one` : ''}.`,
        );
    } else if (b.kind === 'range') {
      const from = Date.parse(b.from);
      const to = Date.parse(b.to);
      if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
        throw new ApiError(
          'INVALID_INPUT',
          'A blackout range needs two times with their offsets, the end after the start (e.g. 2026-12-24T18:00:00+01:00).',
        );
      }
    } else {
      minutesOf(b.start);
      minutesOf(b.end);
      if (b.start === b.end) throw new ApiError('INVALID_INPUT', 'A weekly blackout window needs an end different from its start.');
    }
  }
}

/** The first blackout window an instant falls in (described for the skip reason), or null. */
export function blackoutAt(blackouts: readonly Blackout[], at: Date, timeZone: string): string | null {
  const local = localParts(at, timeZone);
  for (const b of blackouts) {
    const name = b.label ? ` "${b.label}"` : '';
    if (b.kind === 'dates' && b.dates.includes(local.date)) return `blackout${name} on ${local.date} (${timeZone})`;
    if (b.kind === 'range' && at.getTime() >= Date.parse(b.from) && at.getTime() < Date.parse(b.to))
      return `blackout${name} from ${b.from} to ${b.to}`;
    if (b.kind === 'weekly') {
      const start = minutesOf(b.start);
      const end = minutesOf(b.end);
      const on = (d: Weekday) => b.days.length === 0 || b.days.includes(d);
      const previous = WEEKDAYS[(WEEKDAYS.indexOf(local.weekday) + 6) % 7]!;
      const inside =
        start < end
          ? on(local.weekday) && local.minutes >= start && local.minutes < end
          : (on(local.weekday) && local.minutes >= start) || (on(previous) && local.minutes < end);
      if (inside) return `blackout${name} ${b.days.length ? b.days.join(',') : 'daily'} ${b.start}-${b.end} (${timeZone})`;
    }
  }
  return null;
}

export interface DuePlan {
  /** Occurrences whose fire time passed more than GRACE_MS ago: the runner was not there. */
  missed: Date[];
  /** How many more were missed than `missed` lists (a long downtime of a frequent schedule). */
  missedBeyond: number;
  /** The occurrence due now (fire time within the grace), if any. */
  current: Date | null;
  /** Where the schedule's cursor moves once these are handled. */
  cursor: Date;
}

const MAX_LISTED = 1000;

/**
 * The occurrences after `cursor` whose fire time (occurrence + jitter) has come by `now`. Stops at
 * the first whose jitter has not elapsed yet, so occurrences are handled in order. Null: nothing due.
 */
export function duePlan(s: { id: string; timing: Timing; jitterSeconds: number }, cursor: Date, now: Date): DuePlan | null {
  const missed: Date[] = [];
  let missedBeyond = 0;
  let current: Date | null = null;
  let last: Date | null = null;
  for (let t = nextOccurrence(s.timing, cursor); t && t.getTime() <= now.getTime(); t = nextOccurrence(s.timing, t)) {
    const fireAt = t.getTime() + jitterMs(s.id, t, s.jitterSeconds);
    if (fireAt > now.getTime()) break;
    if (current) {
      // A later occurrence is due too: the earlier "current" was in fact missed.
      missed.push(current);
      current = null;
    }
    if (now.getTime() - fireAt > GRACE_MS) {
      if (missed.length < MAX_LISTED) missed.push(t);
      else missedBeyond++;
    } else current = t;
    last = t;
    if (missedBeyond > 0 && s.timing.kind === 'interval') {
      // Jump over the rest of a long downtime arithmetically; each one between was missed too.
      const every = s.timing.everySeconds * 1000;
      const skip = Math.floor((now.getTime() - GRACE_MS - t.getTime()) / every) - 1;
      if (skip > 0) {
        missedBeyond += skip;
        t = new Date(t.getTime() + skip * every);
        last = t;
      }
    }
  }
  if (!last) return null;
  return { missed, missedBeyond, current, cursor: last };
}

export interface PreviewedOccurrence {
  /** The occurrence (before jitter), as an instant. */
  at: string;
  /** The occurrence in words, in the schedule's time zone with its offset that day. */
  words: string;
  /** Why it will not run (a blackout), or null. */
  skipped: string | null;
}

/** "Monday 7 December 2026 at 02:30 (GMT+1)": the local time an operator reads, with the offset that day. */
export function occurrenceWords(at: Date, timeZone: string): string {
  checkTimeZone(timeZone);
  const f = zoned(timeZone, 'words');
  const p = Object.fromEntries(
    f
      .formatToParts(at)
      .filter((x) => x.type !== 'literal')
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.year} at ${p.hour}:${p.minute} (${p.timeZoneName})`;
}

/**
 * The next `count` occurrences after `after`, in words in the schedule's time zone, each with the
 * blackout that would skip it. Checks the timing and blackouts first (INVALID_INPUT saying what to give).
 */
export function previewOccurrences(timing: Timing, blackouts: readonly Blackout[], after: Date, count: number): PreviewedOccurrence[] {
  checkTiming(timing);
  checkBlackouts(blackouts);
  const out: PreviewedOccurrence[] = [];
  for (let t = nextOccurrence(timing, after); t && out.length < count; t = nextOccurrence(timing, t)) {
    out.push({ at: t.toISOString(), words: occurrenceWords(t, timing.timeZone), skipped: blackoutAt(blackouts, t, timing.timeZone) });
  }
  return out;
}
