/** Operations: health (docs/health.md): SLI values per run, objectives (SLOs) with their error budget, run outcomes, issues over time. */
import { z } from 'zod';
import { op } from './define';

const isoTime = z.iso.datetime({ offset: true });
const name = z.string().min(1).max(300);
const metricName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/, 'a metric name is letters, digits, "_", ".", ":" and "-"');
const range = { from: isoTime, to: isoTime };

export const SLO_STATES = ['no-data', 'met', 'at-risk', 'breached'] as const;

const sloOut = z.object({
  bundle: z.string(),
  task: z.string(),
  metric: z.string(),
  comparison: z.enum(['>=', '<=']),
  threshold: z.number(),
  target: z.number(),
  windowDays: z.number(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
const sloState = z.object({
  state: z.enum(SLO_STATES),
  total: z.number(),
  good: z.number(),
  ratio: z.number().nullable(),
  budgetRemaining: z.number().nullable(),
});

/** What a chart shows, to export as CSV: one metric of a task, a task's runs, or issues per day. */
export const healthChart = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('metric'), bundle: name, task: name, metric: metricName, ...range }).strict(),
  z.object({ kind: z.literal('runs'), bundle: name.optional(), task: name.optional(), ...range }).strict(),
  z.object({ kind: z.literal('issues'), ...range }).strict(),
]);

export const healthOps = {
  'health.summary': op({
    summary: 'Every metric tasks reported, its last value and its SLO state; the schedules and outcomes at a glance.',
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({
      metrics: z.array(
        z.object({
          bundle: z.string(),
          task: z.string(),
          name: z.string(),
          unit: z.string().nullable(),
          count: z.number(),
          last: z.number(),
          lastAt: z.string(),
          slo: sloOut.nullable(),
          state: sloState.nullable(),
        }),
      ),
    }),
  }),
  'health.series': op({
    summary: "One metric's values over a time range (seconds since the epoch and values, as the chart takes them) and its SLO.",
    access: 'signedIn',
    mutates: false,
    input: z.object({ bundle: name, task: name, metric: metricName, ...range }).strict(),
    output: z.object({ t: z.array(z.number()), v: z.array(z.number()), unit: z.string().nullable(), slo: sloOut.nullable() }),
  }),
  'health.runs': op({
    summary: 'Finished runs over a time range with their outcome and duration, for one task or all.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ bundle: name.optional(), task: name.optional(), ...range }).strict(),
    output: z.object({
      runs: z.array(
        z.object({
          id: z.string(),
          bundle: z.string(),
          task: z.string(),
          createdAt: z.string(),
          outcome: z.string(),
          scheduleId: z.string().nullable(),
          durationSeconds: z.number().nullable(),
        }),
      ),
    }),
  }),
  'health.issues': op({
    summary: 'Issues raised per day (UTC) by severity over a time range.',
    access: 'signedIn',
    mutates: false,
    input: z.object(range).strict(),
    output: z.object({
      days: z.array(z.object({ day: z.string(), critical: z.number(), major: z.number(), minor: z.number(), info: z.number() })),
    }),
  }),
  'health.setSlo': op({
    summary:
      'Set the objective of a metric: good when the value is >= or <= a threshold, a target share of good values over a window of days.',
    access: 'runs.start',
    mutates: true,
    input: z
      .object({
        bundle: name,
        task: name,
        metric: metricName,
        comparison: z.enum(['>=', '<=']),
        threshold: z.number().finite(),
        target: z.number().gt(0).lt(1),
        windowDays: z.number().int().min(1).max(366),
      })
      .strict(),
    output: sloOut,
  }),
  'health.removeSlo': op({
    summary: "Remove a metric's objective.",
    access: 'runs.start',
    mutates: true,
    input: z.object({ bundle: name, task: name, metric: metricName }).strict(),
    output: z.object({ removed: z.boolean() }),
  }),
  'health.exportCsv': op({
    summary: 'Save what a Health chart shows as CSV to a new file.',
    access: 'signedIn',
    mutates: true,
    input: z.object({ chart: healthChart, outPath: z.string().min(1).max(4096) }).strict(),
    output: z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int(), sha256: z.string() }),
  }),
} as const;
