/**
 * Hands verified audit events to a SIEM as OCSF 1.1 JSON lines or CEF lines. Only after
 * verification: a SiemContext comes only from a passing report, and writeSiemFile re-checks that
 * each bundle still holds exactly the events.jsonl that was verified. Mapping: docs/audit-export.md.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApiError } from '../kernel';
import type { AuditEvent } from './chain';
import { readBundle } from './bundle-reader';
import { fastCanonical } from './event-line';
import { BUNDLE_FILES } from './manifest';
import type { BundleReport, VerifyReport } from './verify';

export const OCSF_VERSION = '1.1.0';
export const PRODUCT = { name: 'Airgap Runner', vendor_name: 'Airgap Runner' } as const;

const verified: unique symbol = Symbol('verified');

/** Facts about the bundle an event came from. Only siemContextFor can make one. */
export interface SiemContext {
  readonly [verified]: true;
  workstationId: string;
  exportId: string;
  productVersion: string;
}

/** A context for emitting events of `bundle`; refuses (VERIFY_FAILED) unless the whole report passed. */
export function siemContextFor(report: VerifyReport, bundle: BundleReport, productVersion = '0.1.0'): SiemContext {
  if (!report.ok || !bundle.ok || !report.bundles.includes(bundle) || !bundle.workstationId || !bundle.exportId) {
    throw new ApiError(
      'VERIFY_FAILED',
      `Refusing to emit SIEM records from bundles that did not verify${report.firstProblem ? `: ${report.firstProblem}` : ''}. Fix or replace the bundles and verify again.`,
    );
  }
  return { [verified]: true, workstationId: bundle.workstationId, exportId: bundle.exportId, productVersion };
}

// --- OCSF -------------------------------------------------------------------------------------

/** OCSF activity ids of API Activity (6003): 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other. */
export function ocsfActivity(action: string): { id: number; name: string } {
  const verb = (action.split('.').pop() ?? '').toLowerCase();
  if (/^(add|create|import|generate|start|append|genesis|register)/.test(verb)) return { id: 1, name: 'Create' };
  if (/^(get|list|read|browse|view|show|export|query|search|verify|use)/.test(verb)) return { id: 2, name: 'Read' };
  if (/^(update|set|change|rotate|replace|confirm|rekey|rename|edit|grant|revoke|lock|unlock)/.test(verb)) return { id: 3, name: 'Update' };
  if (/^(remove|delete|prune|purge|drop)/.test(verb)) return { id: 4, name: 'Delete' };
  return { id: 99, name: 'Other' };
}

const SEVERITY: Record<AuditEvent['outcome'], { id: number; name: string; cef: number }> = {
  success: { id: 1, name: 'Informational', cef: 1 },
  failure: { id: 2, name: 'Low', cef: 4 },
  denied: { id: 3, name: 'Medium', cef: 7 },
};

export function ocsfRecord(event: AuditEvent, ctx: SiemContext): Record<string, unknown> {
  const activity = ocsfActivity(event.action);
  const severity = SEVERITY[event.outcome];
  const success = event.outcome === 'success';
  const record: Record<string, unknown> = {
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: 6003,
    class_name: 'API Activity',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: 6003 * 100 + activity.id,
    type_name: `API Activity: ${activity.name}`,
    time: Date.parse(event.time),
    severity_id: severity.id,
    severity: severity.name,
    status_id: success ? 1 : 2,
    status: success ? 'Success' : 'Failure',
    message: `${event.action} by ${event.actor}: ${event.outcome}`,
    actor: { user: { name: event.actor, type: event.actor.startsWith('user:') ? 'User' : 'System' } },
    api: { operation: event.action },
    src_endpoint: { uid: ctx.workstationId, type: 'Desktop' },
    metadata: {
      version: OCSF_VERSION,
      product: { ...PRODUCT, version: ctx.productVersion },
      uid: `${ctx.workstationId}:${event.seq}`,
      sequence: event.seq,
      original_time: event.time,
      log_name: `audit-export:${ctx.exportId}`,
    },
    unmapped: {
      seq: event.seq,
      mono: event.mono,
      outcome: event.outcome,
      hash: event.hash,
      prevHash: event.prevHash,
      detailsHash: event.detailsHash,
      redacted: event.redacted === true,
      details: event.details,
    },
  };
  if (!success) record.status_detail = event.outcome === 'denied' ? 'Denied by policy or role' : 'Failed';
  if (event.target !== null) record.resources = [{ name: event.target }];
  return record;
}

export function* emitOcsf(events: Iterable<AuditEvent>, ctx: SiemContext): Generator<string> {
  for (const event of events) yield `${JSON.stringify(ocsfRecord(event, ctx))}\n`;
}

// --- CEF --------------------------------------------------------------------------------------

function cefHeader(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

function cefValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export function cefLine(event: AuditEvent, ctx: SiemContext): string {
  const fields: Array<[string, string | number]> = [
    ['rt', Date.parse(event.time)],
    ['suser', event.actor],
    ['act', event.action],
    ['outcome', event.outcome],
    ['dvchost', ctx.workstationId],
    ['externalId', `${ctx.workstationId}:${event.seq}`],
    ['cn1Label', 'seq'],
    ['cn1', event.seq],
    ['cs1Label', 'target'],
    ['cs1', event.target ?? ''],
    ['cs2Label', 'hash'],
    ['cs2', event.hash],
    ['cs3Label', 'exportId'],
    ['cs3', ctx.exportId],
    ['cs4Label', 'details'],
    ['cs4', fastCanonical(event.details)],
    ['cs5Label', 'redacted'],
    ['cs5', event.redacted ? 'true' : 'false'],
  ];
  const extension = fields.map(([key, value]) => `${key}=${cefValue(String(value))}`).join(' ');
  const header = [
    'CEF:0',
    PRODUCT.vendor_name,
    PRODUCT.name,
    ctx.productVersion,
    event.action,
    `${event.action} ${event.outcome}`,
    String(SEVERITY[event.outcome].cef),
  ].map(cefHeader);
  return `${header.join('|')}|${extension}`;
}

export function* emitCef(events: Iterable<AuditEvent>, ctx: SiemContext): Generator<string> {
  for (const event of events) yield `${cefLine(event, ctx)}\n`;
}

// --- files ------------------------------------------------------------------------------------

export interface SiemFileOptions {
  format: 'ocsf' | 'cef';
  outPath: string;
  productVersion?: string;
  signal?: AbortSignal;
}

/**
 * Writes every verified event once (bundles in range order, overlaps skipped) to `outPath`,
 * atomically. Refuses unless `report.ok`; fails (VERIFY_FAILED, nothing written) if a bundle no
 * longer holds the events.jsonl that was verified.
 */
export async function writeSiemFile(report: VerifyReport, options: SiemFileOptions): Promise<{ events: number }> {
  const ordered = [...report.bundles].sort((a, b) => (a.range?.firstSeq ?? 0) - (b.range?.firstSeq ?? 0));
  const contexts = ordered.map((bundle) => siemContextFor(report, bundle, options.productVersion));
  const exists = await access(options.outPath).then(
    () => true,
    () => false,
  );
  if (exists) throw new ApiError('CONFLICT', `${options.outPath} already exists; choose another file name.`);
  const tempPath = join(dirname(options.outPath), `.${basename(options.outPath)}.${randomBytes(6).toString('hex')}.partial`);
  let handle;
  try {
    handle = await open(tempPath, 'wx', 0o600);
  } catch (error) {
    throw new ApiError(
      'INVALID_INPUT',
      `Cannot write next to ${options.outPath} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check that the folder exists and is writable.`,
    );
  }
  const out = handle.createWriteStream();
  let streamError: Error | null = null;
  out.on('error', (error: Error) => {
    streamError = error;
  });
  const toLine =
    options.format === 'ocsf'
      ? (e: AuditEvent, c: SiemContext) => `${JSON.stringify(ocsfRecord(e, c))}\n`
      : (e: AuditEvent, c: SiemContext) => `${cefLine(e, c)}\n`;
  let lastSeq = 0;
  let written = 0;
  try {
    for (const [index, bundle] of ordered.entries()) {
      const ctx = contexts[index]!;
      const read = await readBundle(bundle.path, {
        onEventLine: (buf, start, end) => {
          const event = JSON.parse(buf.toString('utf8', start, end)) as AuditEvent;
          if (event.seq > lastSeq) {
            out.write(toLine(event, ctx));
            lastSeq = event.seq;
            written++;
          }
          return true;
        },
        afterChunk: async () => {
          if (streamError) throw streamError;
          if (out.writableNeedDrain) await once(out, 'drain');
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const expected = bundle.files?.find((f) => f.name === BUNDLE_FILES.events);
      const actual = read.entries.get(BUNDLE_FILES.events);
      if (read.archiveProblem || !expected || !actual || actual.sha256 !== expected.sha256) {
        throw new ApiError('VERIFY_FAILED', `${bundle.path} changed after it was verified; verify it again before emitting SIEM records.`);
      }
    }
    out.end();
    await once(out, 'close');
    if (streamError) throw streamError as Error;
    await rename(tempPath, options.outPath);
    return { events: written };
  } catch (error) {
    out.destroy();
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
}
