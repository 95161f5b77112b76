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
