/** Health (docs/health.md): SLI values, SLOs and their error budget, run outcomes, issues over time; CSV of what a chart shows. */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { z } from 'zod';
import { writeNewFileAtomic } from '../../egress';
import { Health, displayLine } from '../../runner';
import type { ReadonlyDb } from '../../kernel';
import type { healthChart } from '../contract/health';
import { newOutputFile } from './output-file';
import { needSession, type Handler } from './types';

const utc = (t: string) => new Date(t).toISOString();

/** One CSV cell: quoted when it must be, and a leading = + - @ made inert so a spreadsheet never runs it as a formula. */
function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = displayLine(String(value));
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (header: string[], rows: Array<Array<string | number | null | undefined>>) =>
  [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';

/** The rows a chart shows, as CSV. */
export function chartCsv(db: ReadonlyDb, chart: z.output<typeof healthChart>): { text: string; rows: number } {
  const health = new Health(db);
  const range = { from: utc(chart.from), to: utc(chart.to) };
  if (chart.kind === 'metric') {
    const rows = health.metricRows({ ...chart, ...range });
    return {
      text: csv(
        ['time', 'bundle', 'task', 'metric', 'value', 'unit', 'labels', 'run'],
        rows.map((r) => [r.at, chart.bundle, chart.task, chart.metric, r.value, r.unit, r.labels === '{}' ? '' : r.labels, r.runId]),
      ),
      rows: rows.length,
    };
  }
  if (chart.kind === 'runs') {
    const rows = health.runs({ ...chart, ...range });
    return {
      text: csv(
        ['created', 'run', 'bundle', 'task', 'outcome', 'duration_seconds', 'schedule'],
        rows.map((r) => [
          r.createdAt,
          r.id,
          r.bundle,
          r.task,
          r.outcome,
          r.durationSeconds === null ? null : Math.round(r.durationSeconds * 1000) / 1000,
          r.scheduleId,
        ]),
      ),
      rows: rows.length,
    };
  }
  const days = health.issuesByDay(range);
  return {
    text: csv(
      ['day', 'critical', 'major', 'minor', 'info'],
      days.map((d) => [d.day, d.critical, d.major, d.minor, d.info]),
    ),
    rows: days.length,
  };
}

export const healthHandlers: {
  'health.summary': Handler<'health.summary'>;
  'health.series': Handler<'health.series'>;
  'health.runs': Handler<'health.runs'>;
  'health.issues': Handler<'health.issues'>;
  'health.setSlo': Handler<'health.setSlo'>;
  'health.removeSlo': Handler<'health.removeSlo'>;
  'health.exportCsv': Handler<'health.exportCsv'>;
} = {
  'health.summary': {
    run: (ctx) => {
      const health = new Health(ctx.db);
      const now = ctx.core.clock.now();
      const slos = new Map(health.slos().map((s) => [`${s.bundle}\n${s.task}\n${s.metric}`, s]));
      return {
        metrics: health.metrics().map((m) => {
          const slo = slos.get(`${m.bundle}\n${m.task}\n${m.name}`) ?? null;
          return { ...m, slo, state: slo ? health.stateOf(slo, now) : null };
        }),
      };
    },
  },
  'health.series': {
    run: (ctx, input) => {
      const health = new Health(ctx.db);
      return {
        ...health.series({ ...input, from: utc(input.from), to: utc(input.to) }),
        slo: health.slo(input.bundle, input.task, input.metric),
      };
    },
  },
  'health.runs': {
    run: (ctx, input) => ({ runs: new Health(ctx.db).runs({ ...input, from: utc(input.from), to: utc(input.to) }) }),
  },
  'health.issues': {
    run: (ctx, input) => ({ days: new Health(ctx.db).issuesByDay({ from: utc(input.from), to: utc(input.to) }) }),
  },
  'health.setSlo': {
    run: (ctx, input) => {
      const slo = { ...input, updatedAt: ctx.core.clock.now().toISOString(), updatedBy: needSession(ctx).name };
      ctx.change(() => new Health(ctx.db).setSlo(slo));
      return slo;
    },
    target: (input) => `slo:${input.bundle}/${input.task}/${input.metric}`,
    // Canonical JSON (the audit chain) holds integers only: the numbers go as text.
    details: (input) => ({
      objective: `${input.comparison} ${input.threshold}`,
      target: String(input.target),
      windowDays: input.windowDays,
    }),
  },
  'health.removeSlo': {
    run: (ctx, input) => ({ removed: ctx.change(() => new Health(ctx.db).removeSlo(input.bundle, input.task, input.metric)) }),
    target: (input) => `slo:${input.bundle}/${input.task}/${input.metric}`,
  },
  'health.exportCsv': {
    run: (ctx, input) => {
      const out = newOutputFile(input.outPath);
      const { text, rows } = chartCsv(ctx.db, input.chart);
      const bytes = Buffer.from(text, 'utf8');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      writeNewFileAtomic(out, bytes);
      ctx.change(() => undefined, { details: { file: basename(out), chart: input.chart.kind, rows, bytes: bytes.length, sha256 } });
      return { path: out, rows, bytes: bytes.length, sha256 };
    },
    target: (input) => `health:${input.chart.kind}`,
  },
};
