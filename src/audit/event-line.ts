/**
 * One `events.jsonl` line per audit event: writing it fast and checking a million of them fast.
 *
 * chain.ts and canonical.ts define the hashing; this file must agree with them exactly and only
 * exists because their generic code is too slow for the bench targets (1M events exported in under
 * 20 s, verified in at most 3x the time of `gzip -dc | openssl dgst`). The agreement is tested on
 * random and hostile events (test/unit/audit/event-line.test.ts). Whenever the fast check finds
 * anything wrong, the event goes through chain.ts's `checkChain`, whose verdict and wording are the
 * ones reported, so a disagreement could only ever make the fast path stricter, never looser.
 */
import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical';
import { AUDIT_OUTCOMES, checkChain, type AuditEvent, type ChainProblem } from './chain';

const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** canonicalJson with identical output for every input (it throws where canonicalJson throws). */
export function fastCanonical(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) return canonicalJson(value); // throws with canonicalJson's message
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(fastCanonical).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${fastCanonical(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return canonicalJson(value); // throws
  }
}

/** The JSON text of the string fields, computed once per event for both the header and the line. */
interface EventTexts {
  action: string;
  actor: string;
  outcome: string;
  target: string;
  time: string;
}

function textsOf(e: AuditEvent): EventTexts {
  return {
    action: JSON.stringify(e.action),
    actor: JSON.stringify(e.actor),
    outcome: JSON.stringify(e.outcome),
    target: e.target === null ? 'null' : JSON.stringify(e.target),
    time: JSON.stringify(e.time),
  };
}

/** canonicalJson(headerOf(e)) for an event whose fields have their declared types. */
function headerText(e: AuditEvent, t: EventTexts): string {
  return `{"action":${t.action},"actor":${t.actor},"mono":${e.mono},"outcome":${t.outcome},"seq":${e.seq},"target":${t.target},"time":${t.time}}`;
}

function hasPlainTypes(e: AuditEvent): boolean {
  return (
    typeof e.action === 'string' &&
    typeof e.actor === 'string' &&
    typeof e.outcome === 'string' &&
    typeof e.time === 'string' &&
    (e.target === null || typeof e.target === 'string') &&
    Number.isSafeInteger(e.seq) &&
    Number.isSafeInteger(e.mono) &&
    typeof e.detailsHash === 'string' &&
    typeof e.prevHash === 'string' &&
    typeof e.hash === 'string' &&
    (e.redacted === undefined || typeof e.redacted === 'boolean')
  );
}

function lineFromParts(e: AuditEvent, t: EventTexts, details: string): string {
  const redacted = e.redacted === undefined ? '' : `"redacted":${e.redacted},`;
  return `{"action":${t.action},"actor":${t.actor},"details":${details},"detailsHash":"${e.detailsHash}","hash":"${e.hash}","mono":${e.mono},"outcome":${t.outcome},"prevHash":"${e.prevHash}",${redacted}"seq":${e.seq},"target":${t.target},"time":${t.time}}`;
}

/** The fields an exported event carries, nothing else (a store row may hold more). */
export function exportedFields(e: AuditEvent): AuditEvent {
  const out: AuditEvent = {
    seq: e.seq,
    time: e.time,
    mono: e.mono,
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    details: e.details,
    detailsHash: e.detailsHash,
    prevHash: e.prevHash,
    hash: e.hash,
  };
  if (e.redacted !== undefined) out.redacted = e.redacted;
  return out;
}

/** `canonicalJson(exportedFields(e))`, without the generic serializer's cost. */
export function canonicalEventLine(e: AuditEvent): string {
  if (!hasPlainTypes(e) || !HEX64.test(e.detailsHash) || !HEX64.test(e.hash) || !HEX64.test(e.prevHash)) return canonicalJson(exportedFields(e));
  return lineFromParts(e, textsOf(e), fastCanonical(e.details ?? null));
}

export type EventProblem =
  | { kind: 'eventSyntax'; line: number; message: string }
  | { kind: 'chain'; chainKind: ChainProblem['kind']; line: number; seq: number; message: string }
  | { kind: 'nonCanonical'; line: number; seq: number; message: string };

const EVENT_KEYS = new Set(['seq', 'time', 'mono', 'actor', 'action', 'target', 'outcome', 'details', 'detailsHash', 'prevHash', 'hash', 'redacted']);
const HEX64 = /^[0-9a-f]{64}$/;

/** Why a parsed line is not an exported audit event, or null when it has the right shape. */
export function eventShapeProblem(value: unknown, checkHashes = true): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const e = value as Record<string, unknown>;
  for (const key in e) if (!EVENT_KEYS.has(key)) return `it has an unknown field "${key}"`;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return '"seq" is not a positive integer';
  if (!Number.isSafeInteger(e.mono)) return '"mono" is not an integer';
  if (typeof e.time !== 'string') return '"time" is not a string';
  if (typeof e.actor !== 'string') return '"actor" is not a string';
  if (typeof e.action !== 'string') return '"action" is not a string';
  if (e.target !== null && typeof e.target !== 'string') return '"target" is neither a string nor null';
  if (!(AUDIT_OUTCOMES as readonly unknown[]).includes(e.outcome)) return `"outcome" is not one of ${AUDIT_OUTCOMES.join(', ')}`;
  if (!('details' in e)) return '"details" is missing';
  for (const key of ['detailsHash', 'prevHash', 'hash'] as const) {
    if (typeof e[key] !== 'string') return `"${key}" is not a string`;
    if (checkHashes && !HEX64.test(e[key])) return `"${key}" is not 64 lower-case hex digits`;
  }
  if (e.redacted !== undefined && typeof e.redacted !== 'boolean') return '"redacted" is not a boolean';
  return null;
}

export interface EventLineCheckerOptions {
  /** Expected prevHash of the first event; by default the first event's own (compare it later). */
  startPrevHash?: string;
  /** Expected seq of the first event; by default the first event's own. */
  startSeq?: number;
  /** Keep every event hash (32 bytes each) so bundles can be compared for forks. */
  keepHashes?: boolean;
  /** Called with every event that passed, in order (e.g. to pick out identity replacements). */
  onEvent?: (event: AuditEvent) => void;
}

/**
 * Checks `events.jsonl` one line at a time: JSON syntax and shape, canonical form, seq continuity,
 * prevHash links, detailsHash (skipped for redacted events) and the event hash. Stops at the first
 * problem, like checkChain, and names it.
 */
export class EventLineChecker {
  count = 0;
  redactedCount = 0;
  firstSeq: number | null = null;
  firstPrevHash: string | null = null;
  lastSeq: number | null = null;
  lastHash: string | null = null;
  problem: EventProblem | null = null;
  private prev: string | null;
  private expectedSeq: number | null;
  private lineNumber = 0;
  private scratch = Buffer.alloc(4096);
  private hashStore: Buffer | null;

  constructor(private readonly options: EventLineCheckerOptions = {}) {
    this.prev = options.startPrevHash ?? null;
    this.expectedSeq = options.startSeq ?? null;
    this.hashStore = options.keepHashes ? Buffer.alloc(32 * 1024) : null;
  }

  /** Event hashes in order, 32 bytes each (only with keepHashes). */
  get hashes(): Buffer | null {
    return this.hashStore ? this.hashStore.subarray(0, this.count * 32) : null;
  }

  /** Checks one line (without its newline). Returns false once a problem was found. */
  line(text: string): boolean {
    if (this.problem) return false;
    const lineNumber = ++this.lineNumber;
    let event: AuditEvent;
    try {
      event = JSON.parse(text) as AuditEvent;
    } catch {
      this.problem = { kind: 'eventSyntax', line: lineNumber, message: `line ${lineNumber} of events.jsonl is not valid JSON` };
      return false;
    }
    // Hash fields are only pattern-checked when they are not compared with a computed digest.
    const first = this.firstSeq === null;
    const shape = eventShapeProblem(event, first) ?? (event.redacted && !HEX64.test(event.detailsHash) ? '"detailsHash" is not 64 lower-case hex digits' : null);
    if (shape) {
      this.problem = { kind: 'eventSyntax', line: lineNumber, message: `line ${lineNumber} of events.jsonl is not an audit event: ${shape}` };
      return false;
    }
    if (this.prev === null) this.prev = event.prevHash;
    if (this.expectedSeq === null) this.expectedSeq = event.seq;
    if (first) {
      this.firstSeq = event.seq;
      this.firstPrevHash = event.prevHash;
    }
    let details: string;
    try {
      details = fastCanonical(event.details);
    } catch (error) {
      this.problem = { kind: 'eventSyntax', line: lineNumber, message: `event ${event.seq} details cannot be hashed: ${error instanceof Error ? error.message : String(error)}` };
      return false;
    }
    const texts = textsOf(event);
    if (!this.fastLinkOk(event, texts, details)) {
      const malformed = eventShapeProblem(event, true);
      if (malformed) {
        this.problem = { kind: 'eventSyntax', line: lineNumber, message: `line ${lineNumber} of events.jsonl is not an audit event: ${malformed}` };
        return false;
      }
      const verdict = checkChain([event], this.prev, this.expectedSeq);
      if (!verdict.ok) {
        const p = verdict.problem;
        this.problem = { kind: 'chain', chainKind: p.kind, line: lineNumber, seq: p.seq, message: p.message };
        return false;
      }
    }
    if (lineFromParts(event, texts, details) !== text) {
      this.problem = { kind: 'nonCanonical', line: lineNumber, seq: event.seq, message: `event ${event.seq} is not written in canonical form (the file was rewritten)` };
      return false;
    }
    this.accept(event);
    return true;
  }

  private fastLinkOk(event: AuditEvent, texts: EventTexts, details: string): boolean {
    if (event.seq !== this.expectedSeq || event.prevHash !== this.prev) return false;
    if (!event.redacted && sha256Hex(details) !== event.detailsHash) return false;
    return this.eventHash(event, texts) === event.hash;
  }

  /** chain.ts's eventHash: SHA-256(prevHash bytes || canonical header || detailsHash bytes). */
  private eventHash(event: AuditEvent, texts: EventTexts): string {
    const header = headerText(event, texts);
    let scratch = this.scratch;
    if (header.length * 3 + 64 > scratch.length) scratch = this.scratch = Buffer.alloc(header.length * 3 + 64);
    scratch.write(event.prevHash, 0, 32, 'hex');
    const n = scratch.write(header, 32, 'utf8');
    scratch.write(event.detailsHash, 32 + n, 32, 'hex');
    return sha256Hex(scratch.subarray(0, 64 + n));
  }

  private accept(event: AuditEvent): void {
    if (this.hashStore) {
      const offset = this.count * 32;
      if (offset + 32 > this.hashStore.length) {
        const bigger = Buffer.alloc(this.hashStore.length * 2);
        this.hashStore.copy(bigger);
        this.hashStore = bigger;
      }
      this.hashStore.write(event.hash, offset, 32, 'hex');
    }
    if (event.redacted) this.redactedCount++;
    this.count++;
    this.prev = event.hash;
    this.lastHash = event.hash;
    this.lastSeq = event.seq;
    this.expectedSeq = event.seq + 1;
    this.options.onEvent?.(event);
  }
}
