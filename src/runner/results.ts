/**
 * Reads a finished task's `issues.jsonl`, `report.jsonl` and `metrics.jsonl` from its output folder, safely
 * (ARCHITECTURE.md, "Runner"; THREAT_MODEL.md "symlinked result files", "giant lines"):
 *  - opened with O_NOFOLLOW (a symlink is refused without touching its target) and O_NONBLOCK (a FIFO
 *    cannot stall us), then fstat'ed: regular files only;
 *  - at most `maxBytes` are read, at most `maxLines` lines kept;
 *  - a malformed line becomes a parse warning (kept, shortened), never an error;
 *  - every text is masked against the run's secrets before it is returned.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseIssueLine,
  parseMetricLine,
  parseReportLine,
  type IssueLine,
  type MetricLine,
  type ReportLine,
  RESULT_FILES,
} from '../bundles';
import type { Masker } from '../redact';

export interface ResultLimits {
  maxBytes: number;
  maxLines: number;
}

export const DEFAULT_RESULT_LIMITS: ResultLimits = { maxBytes: 4 * 1024 * 1024, maxLines: 10_000 };

export interface TaskResults {
  issues: IssueLine[];
  report: ReportLine[];
  /** SLI values from metrics.jsonl (docs/codebundle-format.md). */
  metrics: MetricLine[];
  /** Problems with the files or lines, for the run record. */
  warnings: string[];
}

const SHOWN_CHARS = 200;

type ReadOutcome =
  { kind: 'missing' } | { kind: 'refused'; why: string } | { kind: 'read'; text: string; truncated: boolean; size: number };

/** Reads one result file without following links, blocking on FIFOs or reading past the cap. */
export function readResultFile(dir: string, name: string, maxBytes: number): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP' || code === 'EMLINK')
      return { kind: 'refused', why: `${name} is a symbolic link; it was not followed or read (results must be regular files)` };
    return { kind: 'refused', why: `${name} could not be opened (${code ?? 'error'})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'refused', why: `${name} is not a regular file; it was not read` };
    const want = Math.min(stat.size, maxBytes);
    const buffer = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buffer, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    return { kind: 'read', text: buffer.subarray(0, got).toString('utf8'), truncated: stat.size > maxBytes, size: stat.size };
  } finally {
    closeSync(fd);
  }
}

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}

function parseLines<T>(
  name: string,
  outcome: ReadOutcome,
  parse: (line: string) => T | null,
  limits: ResultLimits,
  masker: Masker,
  warnings: string[],
): T[] {
  if (outcome.kind === 'missing') return [];
  if (outcome.kind === 'refused') {
    warnings.push(outcome.why);
    return [];
  }
  if (outcome.truncated) warnings.push(`${name} is ${outcome.size} bytes; only the first ${limits.maxBytes} were read`);
  const lines = outcome.text.split('\n');
  // A cut file ends mid-line: that last piece is not a line.
  if (outcome.truncated) lines.pop();
  const out: T[] = [];
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (out.length >= limits.maxLines) {
      warnings.push(`${name} has more than ${limits.maxLines} lines; the rest were not read`);
      break;
    }
    const parsed = parse(masker.mask(line));
    if (parsed === null) warnings.push(`${name} line ${lineNo} is not valid and was skipped: ${shorten(masker.mask(line))}`);
    else out.push(parsed);
  }
  return out;
}

function maskFields<T extends object>(value: T, masker: Masker): T {
  const out = { ...value } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = masker.mask(v);
  return out as T;
}

/** Reads the result files of a finished run. */
export function readTaskResults(outputDir: string, masker: Masker, limits: ResultLimits = DEFAULT_RESULT_LIMITS): TaskResults {
  const warnings: string[] = [];
  const read = <T>(name: string, parse: (line: string) => T | null): T[] =>
    parseLines(name, readResultFile(outputDir, name, limits.maxBytes), parse, limits, masker, warnings);
  const issues = read(RESULT_FILES.issues, parseIssueLine);
  const report = read(RESULT_FILES.report, parseReportLine);
  const metrics = read(RESULT_FILES.metrics, parseMetricLine);
  return {
    issues: issues.map((i) => maskFields(i, masker)),
    metrics,
    report: report.map((r) => maskFields(r, masker)),
    warnings: warnings.map((w) => masker.mask(w)),
  };
}
