/** Operations: schedules (docs/schedules.md): a task with its values, run on a cron or an interval in a time zone. */
import { z } from 'zod';
import { op } from './define';
import { WEEKDAY_NAMES } from './constants';

export { WEEKDAY_NAMES };

export const scheduleId = z.string().regex(/^s-[a-z0-9]{10}$/, 'a schedule id looks like s-abcdefgh23');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is HH:MM, 24-hour');

export const blackout = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('dates'),
      dates: z
        .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD'))
        .min(1)
        .max(400),
      label: z.string().max(100).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('range'),
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      label: z.string().max(100).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('weekly'),
      days: z.array(z.enum(WEEKDAY_NAMES)).max(7),
      start: hhmm,
      end: hhmm,
      label: z.string().max(100).optional(),
    })
    .strict(),
]);

export const scheduleInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    bundle: z.string().min(1).max(300),
    task: z.string().min(1).max(63),
    values: z.record(z.string(), z.string().max(4096)).default({}),
    files: z.record(z.string(), z.string().max(4096)).default({}),
    secrets: z.record(z.string(), z.string().max(64)).default({}),
    reason: z.string().max(2000).optional(),
    cron: z.string().min(1).max(200).optional(),
    everySeconds: z
      .number()
      .int()
      .min(60)
      .max(366 * 86400)
      .optional(),
    timeZone: z.string().min(1).max(64),
    blackouts: z.array(blackout).max(50).default([]),
    jitterSeconds: z.number().int().min(0).max(3600).default(0),
    missed: z.enum(['once', 'skip']).default('once'),
  })
  .strict();

const timing = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cron'), cron: z.string(), timeZone: z.string() }),
  z.object({ kind: z.literal('interval'), everySeconds: z.number(), timeZone: z.string(), anchor: z.string() }),
]);

export const SCHEDULE_STATUSES = ['active', 'paused', 'awaiting-approval'] as const;

export const scheduleOut = z.object({
  id: z.string(),
  name: z.string(),
  bundle: z.string(),
  task: z.string(),
  access: z.enum(['read-only', 'read-write']),
  config: z.object({
    values: z.record(z.string(), z.string()),
    files: z.record(z.string(), z.string()),
    secrets: z.record(z.string(), z.string()),
  }),
  reason: z.string().nullable(),
  timing,
  blackouts: z.array(blackout),
  jitterSeconds: z.number(),
  missed: z.enum(['once', 'skip']),
  status: z.enum(SCHEDULE_STATUSES),
  owner: z.string(),
  revision: z.number(),
  approvalRequired: z.boolean(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  /** The next occurrence after now (before jitter), null when paused or waiting for approval. */
  next: z.string().nullable(),
  lastRunId: z.string().nullable(),
  lastFiredAt: z.string().nullable(),
});

const scheduleEvent = z.object({
  occurrence: z.string(),
  handledAt: z.string(),
  result: z.enum(['started', 'skipped', 'failed']),
  reason: z.string().nullable(),
  runId: z.string().nullable(),
});

const byId = z.object({ id: scheduleId }).strict();

export const schedulesOps = {
  'schedules.add': op({
    summary:
      'Schedule a task with its values: a cron expression or an interval, in an explicit time zone, with blackouts, jitter and a missed-runs policy.',
    access: 'runs.start',
    mutates: true,
    input: scheduleInput,
    output: scheduleOut,
  }),
  'schedules.update': op({
    summary: "Change a schedule you own (a read-write task's schedule then waits for approval again).",
    access: 'runs.start',
    mutates: true,
    input: scheduleInput.extend({ id: scheduleId }),
    output: scheduleOut,
  }),
  'schedules.preview': op({
    summary:
      'The next occurrences of a cron expression or an interval in a time zone, in words, each with the blackout that would skip it (nothing is kept).',
    access: 'signedIn',
    mutates: false,
    input: scheduleInput
      .pick({ cron: true, everySeconds: true, timeZone: true, blackouts: true })
      .extend({ count: z.number().int().min(1).max(20).default(5) })
      .strict(),
    output: z.object({
      occurrences: z.array(z.object({ at: z.string(), words: z.string(), skipped: z.string().nullable() })),
    }),
  }),
  'schedules.list': op({
    summary: 'Schedules, with their next occurrence and last run.',
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ schedules: z.array(scheduleOut), scheduler: z.object({ running: z.boolean(), problem: z.string().nullable() }) }),
  }),
  'schedules.show': op({
    summary: 'One schedule and what happened to its latest occurrences (started, skipped and why, failed).',
    access: 'signedIn',
    mutates: false,
    input: z.object({ id: scheduleId, limit: z.number().int().min(1).max(1000).optional() }).strict(),
    output: z.object({ schedule: scheduleOut, events: z.array(scheduleEvent) }),
  }),
  'schedules.pause': op({
    summary: 'Pause a schedule (any operator may).',
    access: 'runs.start',
    mutates: true,
    input: byId,
    output: scheduleOut,
  }),
  'schedules.resume': op({
    summary: 'Resume a schedule you own; occurrences while it was paused are not run.',
    access: 'runs.start',
    mutates: true,
    input: byId,
    output: scheduleOut,
  }),
  'schedules.approve': op({
    summary: "Approve another operator's schedule of a read-write task (two-person rule).",
    access: 'runs.approve',
    mutates: true,
    input: byId,
    output: scheduleOut,
  }),
  'schedules.remove': op({
    summary: 'Remove a schedule you own.',
    access: 'runs.start',
    mutates: true,
    input: byId,
    output: z.object({ id: z.string(), removed: z.literal(true) }),
  }),
} as const;
