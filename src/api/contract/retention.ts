/** Operations: retention limits and the purge that really deletes run output (docs/retention.md). */
import { z } from 'zod';
import { op } from './define';
import { runId } from './runs';

const days = z.number().int().min(0, 'days are 0 (keep forever) or more').max(36500, 'at most 36500 days (100 years)');

export const retentionLimits = z.object({ runLogDays: z.number().int(), runReportDays: z.number().int() });

/** Which runs a purge takes: by default the retention limits; or one run; or every finished run that ended before a date. */
const purgeScope = z
  .object({
    runId: runId.optional(),
    /** A day (2026-05-01, midnight UTC) or an ISO 8601 time with a zone. */
    before: z.string().min(10).max(40).optional(),
  })
  .strict()
  .refine((s) => !(s.runId && s.before), { message: 'give either a run id or a date, not both' });

export const purgePlan = z.object({
  scope: z.enum(['retention', 'run', 'before']),
  runId: z.string().nullable(),
  logCutoff: z.string().nullable(),
  reportCutoff: z.string().nullable(),
  logs: z.object({ runs: z.number().int(), lines: z.number().int(), bytes: z.number().int() }),
  reports: z.object({ runs: z.number().int(), bytes: z.number().int() }),
  summaries: z.number().int(),
  skippedActive: z.number().int(),
  runIds: z.array(z.string()),
  moreRuns: z.number().int(),
});

export const retentionOps = {
  'retention.show': op({
    summary: 'The retention limits and what a purge would remove now (counts and bytes, nothing removed).',
    access: 'settings.manage',
    mutates: false,
    input: purgeScope,
    output: z.object({ limits: retentionLimits, plan: purgePlan }),
  }),
  'retention.set': op({
    summary: 'Change how long run logs and run reports are kept (days; 0 keeps them forever).',
    access: 'settings.manage',
    mutates: true,
    input: z
      .object({ runLogDays: days.optional(), runReportDays: days.optional() })
      .strict()
      .refine((s) => s.runLogDays !== undefined || s.runReportDays !== undefined, { message: 'give runLogDays, runReportDays or both' }),
    output: retentionLimits,
  }),
  'retention.purge': op({
    summary: 'Delete run logs and reports for good: past the retention limits, one finished run, or runs that ended before a date.',
    access: 'settings.manage',
    mutates: true,
    input: purgeScope,
    output: purgePlan.extend({
      purgedAt: z.string(),
      /** The store file was rebuilt from the live rows, so no stale copy of a purged row is left in a page. */
      vacuumed: z.boolean(),
      /** The WAL was checkpointed and truncated, so no old frame keeps the purged pages. */
      walTruncated: z.boolean(),
      freePages: z.number().int(),
    }),
  }),
} as const;
