/**
 * Reading the result lines a task writes (RunWhen's contract): issues.jsonl and report.jsonl, one
 * JSON object per line. Lenient like RunWhen (a severity outside 1..4 becomes 4), bounded, and
 * everything becomes plain text: the UI shows it as text, never as HTML.
 */
import { REPORT_FORMATS, type ReportFormat } from './contract';

export interface IssueLine {
  severity: 1 | 2 | 3 | 4;
  title: string;
  expected: string;
  actual: string;
  reproduceHint: string;
  nextSteps: string;
  details: string;
  taskName: string;
  observedAt: string;
}

export interface ReportLine {
  obj: string;
  fmt: ReportFormat;
  taskName: string;
}

const MAX_FIELD = 64 * 1024;

function asText(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD)}…` : text;
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One issues.jsonl line; null when it is not a JSON object with a title. */
export function parseIssueLine(line: string): IssueLine | null {
  const o = parseObject(line);
  if (!o || asText(o.title).trim() === '') return null;
  const severity = Number(o.severity);
  return {
    severity: severity === 1 || severity === 2 || severity === 3 ? severity : 4,
    title: asText(o.title),
    expected: asText(o.expected),
    actual: asText(o.actual),
    reproduceHint: asText(o.reproduceHint),
    nextSteps: asText(o.nextSteps),
    details: asText(o.details),
    taskName: asText(o.taskName),
    observedAt: asText(o.observedAt),
  };
}

/** One report.jsonl line; null when it is not a JSON object with `obj`. An unknown fmt becomes pre. */
export function parseReportLine(line: string): ReportLine | null {
  const o = parseObject(line);
  if (!o || o.obj === undefined) return null;
  const fmt = REPORT_FORMATS.find((f) => f === o.fmt) ?? 'pre';
  return { obj: asText(o.obj), fmt, taskName: asText(o.taskName) };
}

/** One metrics.jsonl line (an SLI, like RunWhen's Push Metric): a named number with its unit and labels. */
export interface MetricLine {
  name: string;
  value: number;
  unit: string | null;
  labels: Record<string, string>;
  /** When the task measured it (RFC 3339); null: when the run ended. */
  observedAt: string | null;
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/;
const MAX_LABELS = 16;

/** One metrics.jsonl line; null when the name is not a metric name, the value not a finite number, or the labels not short text. */
export function parseMetricLine(line: string): MetricLine | null {
  const o = parseObject(line);
  if (!o || typeof o.name !== 'string' || !METRIC_NAME.test(o.name)) return null;
  const value = typeof o.value === 'number' ? o.value : typeof o.value === 'string' && o.value.trim() !== '' ? Number(o.value) : NaN;
  if (!Number.isFinite(value)) return null;
  const labels: Record<string, string> = {};
  if (o.labels !== undefined) {
    if (typeof o.labels !== 'object' || o.labels === null || Array.isArray(o.labels)) return null;
    const entries = Object.entries(o.labels as Record<string, unknown>);
    if (entries.length > MAX_LABELS) return null;
    for (const [k, v] of entries) {
      if (!METRIC_NAME.test(k) || (typeof v !== 'string' && typeof v !== 'number') || String(v).length > 200) return null;
      labels[k] = String(v);
    }
  }
  const unit = typeof o.unit === 'string' && o.unit.length <= 32 ? o.unit : null;
  const at = typeof o.observedAt === 'string' && !Number.isNaN(Date.parse(o.observedAt)) ? new Date(o.observedAt).toISOString() : null;
  return { name: o.name, value, unit, labels, observedAt: at };
}
