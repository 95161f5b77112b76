/**
 * A run report for someone off site (`runs export`, docs/redaction.md): run metadata, issues,
 * report blocks, warnings and the log, every text neutralised for display and redacted. The
 * preview (`redact preview --run`) redacts exactly the same parts, so what it shows is what leaves.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ApiError, type ReadonlyDb } from '../kernel';
import type { Redactor, Replacement } from '../redact';
import { RunRecords, displayLine, displayText, type RunRecord } from '../runner';

export const RUN_REPORT_FORMAT = 'airgap-runner/run-report/v1';
const LOG_PAGE = 5000;

/** One text of the report, by where it goes in the JSON document. */
export interface ReportPart {
  label: string;
  text: string;
}

function* logLines(db: ReadonlyDb, runId: string): Generator<string> {
  const records = new RunRecords(db);
  let after = 0;
  for (;;) {
    const page = records.logs(runId, { afterSeq: after, limit: LOG_PAGE });
    for (const l of page) yield `${l.time} ${l.stream} ${displayLine(l.text)}\n`;
    if (page.length < LOG_PAGE) return;
    after = page[page.length - 1]!.seq;
  }
}

/** The texts of a run that a report carries (the log last), neutralised, not yet redacted. */
export function reportParts(run: RunRecord): ReportPart[] {
  const parts: ReportPart[] = [];
  const add = (label: string, text: string | null) => {
    if (text !== null && text !== '') parts.push({ label, text: displayText(text) });
  };
  add('run.task.title', run.task.title);
  add('run.reason', run.reason);
  add('run.error', run.error);
  for (const [name, value] of Object.entries(run.config.values)) add(`run.config.values.${name}`, value);
  run.issues.forEach((issue, i) => {
    for (const [field, value] of Object.entries(issue)) if (typeof value === 'string') add(`issues[${i}].${field}`, value);
  });
  run.report.forEach((block, i) => {
    for (const [field, value] of Object.entries(block)) if (typeof value === 'string') add(`report[${i}].${field}`, value);
  });
  run.warnings.forEach((w, i) => add(`warnings[${i}]`, w));
  return parts;
}

export interface PreviewSection {
  label: string;
  /** The redacted text. */
  text: string;
  /** Offsets are into the section's text before redaction; `at` is where the replacement stands in `text`. */
  replacements: Array<Replacement & { at: number }>;
}

/** The run's parts and log redacted one by one, as `runs export` would; nothing is recorded. */
export function previewRun(db: ReadonlyDb, run: RunRecord, redactor: Redactor): PreviewSection[] {
  const log = [...logLines(db, run.id)].join('');
  return [...reportParts(run), ...(log ? [{ label: 'log', text: log }] : [])].map((part) => previewSection(redactor, part));
}

/** One text redacted for the preview, each replacement with its place in the redacted text. */
export function previewSection(redactor: Redactor, part: ReportPart): PreviewSection {
  const { text, replacements } = redactor.redact(part.text);
  let delta = 0;
  const placed = replacements.map((r) => {
    const at = r.start + delta;
    delta += r.replacement.length - (r.end - r.start);
    return { ...r, at };
  });
  return { label: part.label, text, replacements: placed };
}

/**
 * Every text inside a JSON value (an audit event's details) redacted one by one, as the audit
 * export's hook does, labelled with its path (`#12 runs.start details.reason`).
 */
export function previewValue(redactor: Redactor, label: string, value: unknown): { texts: number; sections: PreviewSection[] } {
  const sections: PreviewSection[] = [];
  let texts = 0;
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      texts += 1;
      sections.push(previewSection(redactor, { label: path, text: v }));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(value, label);
  return { texts, sections };
}

function setPath(doc: Record<string, unknown>, label: string, value: string): void {
  const keys = label.split('.').flatMap((k) => {
    const m = /^(\w+)\[(\d+)\]$/.exec(k);
    return m ? [m[1]!, Number(m[2])] : [k];
  });
  let at: Record<string | number, unknown> = doc;
  keys.slice(0, -1).forEach((k, i) => {
    at[k] ??= typeof keys[i + 1] === 'number' ? [] : {};
    at = at[k] as Record<string | number, unknown>;
  });
  at[keys[keys.length - 1]!] = value;
}

/** The report document: every text redacted, the log through the redactor's stream. */
export function buildRunReport(db: ReadonlyDb, run: RunRecord, redactor: Redactor, exportedAt: string): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    format: RUN_REPORT_FORMAT,
    exportedAt,
    run: {
      id: run.id,
      bundle: run.bundle,
      task: { id: run.task.id, access: run.task.access },
      state: run.state,
      outcome: run.outcome,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      exitCode: run.exitCode,
      timeoutSeconds: run.timeoutSeconds,
      config: { values: {}, files: Object.keys(run.config.files), secrets: Object.keys(run.config.secrets) },
      sandbox: run.sandbox
        ? {
            engine: run.sandbox.engine,
            engineVersion: run.sandbox.engineVersion,
            rootless: run.sandbox.rootless,
            networkKind: run.sandbox.networkKind,
          }
        : null,
    },
    issues: run.issues.map(() => ({})),
    report: run.report.map(() => ({})),
    warnings: [],
  };
  for (const part of reportParts(run)) setPath(doc, part.label, redactor.redact(part.text).text);
  const stream = redactor.stream();
  let log = '';
  for (const line of logLines(db, run.id)) log += stream.push(line);
  doc.log = log + stream.flush();
  doc.logTruncated = run.log.truncated;
  return doc;
}

/**
 * Writes an export file 0600, whole or not at all, never over an existing file: a temp file in the
 * same folder (fsynced), then a hard link to the name (fails if it exists), then the temp removed.
 */
export function writeNewFileAtomic(path: string, data: Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ApiError('CONFLICT', `${path} already exists. Choose a new file name; exports never overwrite a file.`);
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}
