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
import { canonicalJson } from '../kernel';
import { newSpans, scanCanonicalEvent, SPAN } from './event-scan';
import { AUDIT_OUTCOMES, checkChain, type AuditEvent, type ChainProblem } from './chain';

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
  return `{"action":${t.action},"actor":${t.actor},"details":${details},"detailsHash":${JSON.stringify(e.detailsHash)},"hash":${JSON.stringify(e.hash)},"mono":${e.mono},"outcome":${t.outcome},"prevHash":${JSON.stringify(e.prevHash)},${redacted}"seq":${e.seq},"target":${t.target},"time":${t.time}}`;
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

const NOT_PLAIN = Symbol('not plain JSON data');
const MAX_ORDER_DEPTH = 64;

/**
 * `value`, or a copy of it, whose every object lists its keys in canonical order, so that
 * JSON.stringify writes exactly canonicalJson's text (V8's native JSON.stringify is several times
 * faster than building the text in JavaScript). NOT_PLAIN for anything where the two could differ:
 * a number that is not a safe integer, undefined in an array (or a hole), a function, symbol or
 * bigint, an object that is not a plain object or array, a toJSON method, nesting deeper than 64;
 * and, when keys must be reordered, a key starting with a digit (integer-like keys are always
 * enumerated first, so no object can hold them in string order) or `__proto__`. The caller then
 * falls back to fastCanonical, which throws where canonicalJson throws.
 */
function canonicalOrder(value: unknown, depth: number): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? value : NOT_PLAIN;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (depth >= MAX_ORDER_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) return NOT_PLAIN;
      const ordered = canonicalOrder(item, depth + 1);
      if (ordered === NOT_PLAIN) return NOT_PLAIN;
      if (ordered !== item) (copy ??= value.slice())[i] = ordered;
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const order = inCanonicalOrder(keys) ? keys : reordered(keys);
  if (order === null) return NOT_PLAIN;
  // A copy is made when the keys must be reordered or a value below was copied.
  let out: Record<string, unknown> | null = order === keys ? null : {};
  for (let i = 0; i < order.length; i++) {
    const key = order[i]!;
    const item = record[key];
    if (item === undefined) continue; // both canonicalJson and JSON.stringify leave the key out
    const ordered = canonicalOrder(item, depth + 1);
    if (ordered === NOT_PLAIN) return NOT_PLAIN;
    if (out === null && ordered !== item) {
      // Keys already in order: copying them in that order keeps it (integer-like keys included).
      out = {};
      for (let j = 0; j < i; j++) {
        const earlier = order[j]!;
        if (earlier === '__proto__') return NOT_PLAIN;
        if (record[earlier] !== undefined) out[earlier] = record[earlier];
      }
    }
    if (out !== null) {
      if (key === '__proto__') return NOT_PLAIN; // an assignment would set the prototype
      out[key] = ordered;
    }
  }
  return out ?? value;
}

function inCanonicalOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

/** Recently seen key lists and their canonical order: details of one kind share their keys. */
const REORDERED: Array<{ keys: string[]; order: string[] | null }> = [];
const REORDERED_SIZE = 16;
let reorderedNext = 0;

/**
 * `keys` sorted, or null when no object can enumerate them in that order (a key starting with a
 * digit may be integer-like, and those always come first) or one is `__proto__`.
 */
function reordered(keys: string[]): string[] | null {
  search: for (const seen of REORDERED) {
    if (seen.keys.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i++) if (seen.keys[i] !== keys[i]) continue search;
    return seen.order;
  }
  const sorted = [...keys].sort();
  const possible = sorted.every((key) => key !== '__proto__' && !(key.charCodeAt(0) >= 0x30 && key.charCodeAt(0) <= 0x39));
  const entry = { keys, order: possible ? sorted : null };
  if (REORDERED.length < REORDERED_SIZE) REORDERED.push(entry);
  else REORDERED[reorderedNext++ % REORDERED_SIZE] = entry;
  return entry.order;
}

/** `canonicalJson(exportedFields(e))`, without the generic serializer's cost. */
export function canonicalEventLine(e: AuditEvent): string {
  if (!hasPlainTypes(e)) return canonicalJson(exportedFields(e));
  const details = canonicalOrder(e.details ?? null, 0);
  if (details === NOT_PLAIN) return lineFromParts(e, textsOf(e), fastCanonical(e.details ?? null));
  // Object literals in canonical key order: JSON.stringify writes them as canonicalJson does.
  return e.redacted === undefined
    ? JSON.stringify({
        action: e.action,
        actor: e.actor,
        details,
        detailsHash: e.detailsHash,
        hash: e.hash,
        mono: e.mono,
        outcome: e.outcome,
        prevHash: e.prevHash,
        seq: e.seq,
        target: e.target,
        time: e.time,
      })
    : JSON.stringify({
        action: e.action,
        actor: e.actor,
        details,
        detailsHash: e.detailsHash,
        hash: e.hash,
        mono: e.mono,
        outcome: e.outcome,
        prevHash: e.prevHash,
        redacted: e.redacted,
        seq: e.seq,
        target: e.target,
        time: e.time,
      });
}

export type EventProblem =
  | { kind: 'eventSyntax'; line: number; message: string }
  | { kind: 'chain'; chainKind: ChainProblem['kind']; line: number; seq: number; message: string }
  | { kind: 'nonCanonical'; line: number; seq: number; message: string };

const EVENT_KEYS = new Set([
  'seq',
  'time',
  'mono',
  'actor',
  'action',
  'target',
  'outcome',
  'details',
  'detailsHash',
  'prevHash',
  'hash',
  'redacted',
]);
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
  /** Parse and keep the events with these actions (e.g. identity replacements); the first event is always kept. */
  collectActions?: string[];
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x61 + i] = 10 + i;

/** Decodes 64 lower-case hex digits at buf[pos] into out[at, at + 32); false if any is not one. */
function decodeHash(buf: Uint8Array, pos: number, out: Uint8Array, at: number): boolean {
  let bad = 0;
  for (let i = 0; i < 32; i++) {
    const hi = HEX_VALUE[buf[pos + 2 * i]!]!;
    const lo = HEX_VALUE[buf[pos + 2 * i + 1]!]!;
    bad |= hi | lo;
    out[at + i] = (hi << 4) | lo;
  }
  return bad >= 0;
}

function sameHash(a: Uint8Array, aAt: number, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[aAt + i] !== b[i]) return false;
  return true;
}

/**
 * SHA-256 as lower-case hex. Hex, not a Buffer: for a few hundred bytes, Node spends far longer
 * making a Buffer for the digest (about 2 us) than hashing (about 0.2 us) or making the hex string.
 */
const sha256Hex: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** Whether buf[pos, pos + 64) spells `hex` (64 lower-case hex digits). */
function spellsHex(buf: Uint8Array, pos: number, hex: string): boolean {
  for (let i = 0; i < 64; i++) if (buf[pos + i] !== hex.charCodeAt(i)) return false;
  return true;
}

/** Copies from[a, b) to out at n; returns the new end. */
function put(out: Uint8Array, n: number, from: Uint8Array, a: number, b: number): number {
  for (let i = a; i < b; i++) out[n++] = from[i]!;
  return n;
}

const H_ACTION = Buffer.from('{"action":');
const H_ACTOR = Buffer.from(',"actor":');
const H_MONO = Buffer.from(',"mono":');
const H_OUTCOME = Buffer.from(',"outcome":');
const H_SEQ = Buffer.from(',"seq":');
const H_TARGET = Buffer.from(',"target":');
const H_TIME = Buffer.from(',"time":');

/**
 * Checks `events.jsonl` one line at a time: JSON syntax and shape, canonical form, seq continuity,
 * prevHash links, detailsHash (skipped for redacted events) and the event hash. Stops at the first
 * problem, like checkChain, and names it.
 *
 * Fast path: a line event-scan.ts recognises as canonical is checked on its bytes (the spans are the
 * canonical texts chain.ts hashes). Slow path, for everything else and for every failure: JSON.parse,
 * the shape check, checkChain for the verdict and its wording, and a canonical re-serialisation.
 */
export class EventLineChecker {
  count = 0;
  redactedCount = 0;
  firstSeq: number | null = null;
  firstPrevHash: string | null = null;
  lastSeq: number | null = null;
  problem: EventProblem | null = null;
  /** The first event, parsed (for the genesis check). */
  firstEvent: AuditEvent | null = null;
  /** Parsed events whose action is in collectActions. */
  readonly collected: AuditEvent[] = [];
  private readonly prev = Buffer.alloc(32);
  private havePrev = false;
  private expectedSeq: number | null;
  private lineNumber = 0;
  private scratch = Buffer.alloc(4096);
  /** Views of the scratch buffer by length (making a view costs more than hashing it). */
  private scratchViews: Buffer[] = [];
  private readonly decoded = Buffer.alloc(32);
  private readonly spans = newSpans();
  private hashStore: Buffer | null;
  private readonly collectActions: Buffer[];
  private readonly collectNames: Set<string>;

  constructor(options: EventLineCheckerOptions = {}) {
    if (options.startPrevHash !== undefined) {
      if (!HEX64.test(options.startPrevHash)) throw new TypeError('startPrevHash must be 64 lower-case hex digits');
      this.prev.write(options.startPrevHash, 'hex');
      this.havePrev = true;
    }
    this.expectedSeq = options.startSeq ?? null;
    this.hashStore = options.keepHashes ? Buffer.alloc(32 * 1024) : null;
    this.collectNames = new Set(options.collectActions ?? []);
    this.collectActions = [...this.collectNames].map((action) => Buffer.from(JSON.stringify(action)));
  }

  /** The hash of the last accepted event. */
  get lastHash(): string | null {
    return this.count > 0 ? this.prev.toString('hex') : null;
  }

  /** Event hashes in order, 32 bytes each (only with keepHashes). */
  get hashes(): Buffer | null {
    return this.hashStore ? this.hashStore.subarray(0, this.count * 32) : null;
  }

  /** Checks one line given as text (without its newline). Returns false once a problem was found. */
  line(text: string): boolean {
    const bytes = Buffer.from(text, 'utf8');
    return this.lineBytes(bytes, 0, bytes.length);
  }

  /** Checks the line in buf[start, end) (without its newline). Returns false once a problem was found. */
  lineBytes(buf: Buffer, start: number, end: number): boolean {
    if (this.problem) return false;
    this.lineNumber++;
    const spans = this.spans;
    const seq = scanCanonicalEvent(buf, start, end, spans);
    if (seq > 0 && this.fastCheck(buf, seq, spans)) {
      if (this.count === 0) this.firstPrevHash = buf.toString('latin1', spans[SPAN.prevHash], spans[SPAN.prevHash]! + 64);
      const action0 = spans[SPAN.action]!;
      const action1 = spans[SPAN.action + 1]!;
      const wanted =
        this.count === 0 ||
        this.collectActions.some((a) => a.length === action1 - action0 && buf.compare(a, 0, a.length, action0, action1) === 0);
      this.accept(seq, spans[SPAN.redacted] === 1, wanted ? (JSON.parse(buf.toString('utf8', start, end)) as AuditEvent) : null);
      return true;
    }
    return this.slowLine(buf.toString('utf8', start, end));
  }

  /**
   * The chain checks on the line's bytes: seq, prevHash link, detailsHash (unless redacted) and
   * hash = SHA-256(prevHash bytes || canonical header || detailsHash bytes), the header assembled from
   * the line's own spans. Leaves the event's hash in `this.decoded`.
   */
  private fastCheck(buf: Buffer, seq: number, s: Int32Array): boolean {
    if (this.expectedSeq !== null && seq !== this.expectedSeq) return false;
    const action = s[SPAN.action + 1]! - s[SPAN.action]!;
    const actor = s[SPAN.actor + 1]! - s[SPAN.actor]!;
    const target = s[SPAN.target + 1]! - s[SPAN.target]!;
    const time = s[SPAN.time + 1]! - s[SPAN.time]!;
    const needed = 200 + action + actor + target + time;
    if (needed > this.scratch.length) {
      this.scratch = Buffer.alloc(needed * 2);
      this.scratchViews = [];
    }
    const out = this.scratch;
    if (!decodeHash(buf, s[SPAN.prevHash]!, out, 0)) return false;
    if (this.havePrev && !sameHash(out, 0, this.prev)) return false;
    let n = put(out, 32, H_ACTION, 0, H_ACTION.length);
    n = put(out, n, buf, s[SPAN.action]!, s[SPAN.action + 1]!);
    n = put(out, n, H_ACTOR, 0, H_ACTOR.length);
    n = put(out, n, buf, s[SPAN.actor]!, s[SPAN.actor + 1]!);
    n = put(out, n, H_MONO, 0, H_MONO.length);
    n = put(out, n, buf, s[SPAN.mono]!, s[SPAN.mono + 1]!);
    n = put(out, n, H_OUTCOME, 0, H_OUTCOME.length);
    n = put(out, n, buf, s[SPAN.outcome]!, s[SPAN.outcome + 1]!);
    n = put(out, n, H_SEQ, 0, H_SEQ.length);
    n = put(out, n, buf, s[SPAN.seq]!, s[SPAN.seq + 1]!);
    n = put(out, n, H_TARGET, 0, H_TARGET.length);
    n = put(out, n, buf, s[SPAN.target]!, s[SPAN.target + 1]!);
    n = put(out, n, H_TIME, 0, H_TIME.length);
    n = put(out, n, buf, s[SPAN.time]!, s[SPAN.time + 1]!);
    out[n++] = 0x7d;
    if (!decodeHash(buf, s[SPAN.detailsHash]!, out, n)) return false;
    if (s[SPAN.redacted] !== 1 && !spellsHex(buf, s[SPAN.detailsHash]!, sha256Hex(buf.subarray(s[SPAN.details], s[SPAN.details + 1]))))
      return false;
    n += 32;
    if (!spellsHex(buf, s[SPAN.hash]!, sha256Hex((this.scratchViews[n] ??= out.subarray(0, n))))) return false;
    return decodeHash(buf, s[SPAN.hash]!, this.decoded, 0);
  }

  private slowLine(text: string): boolean {
    const lineNumber = this.lineNumber;
    let event: AuditEvent;
    try {
      event = JSON.parse(text) as AuditEvent;
    } catch {
      this.problem = { kind: 'eventSyntax', line: lineNumber, message: `line ${lineNumber} of events.jsonl is not valid JSON` };
      return false;
    }
    const shape = eventShapeProblem(event);
    if (shape) {
      this.problem = {
        kind: 'eventSyntax',
        line: lineNumber,
        message: `line ${lineNumber} of events.jsonl is not an audit event: ${shape}`,
      };
      return false;
    }
    let details: string;
    try {
      details = fastCanonical(event.details);
    } catch (error) {
      this.problem = {
        kind: 'eventSyntax',
        line: lineNumber,
        message: `event ${event.seq} details cannot be hashed: ${error instanceof Error ? error.message : String(error)}`,
      };
      return false;
    }
    if (this.count === 0) this.firstPrevHash = event.prevHash;
    const verdict = checkChain([event], this.havePrev ? this.prev.toString('hex') : event.prevHash, this.expectedSeq ?? event.seq);
    if (!verdict.ok) {
      const p = verdict.problem;
      this.problem = { kind: 'chain', chainKind: p.kind, line: lineNumber, seq: p.seq, message: p.message };
      return false;
    }
    if (lineFromParts(event, textsOf(event), details) !== text) {
      this.problem = {
        kind: 'nonCanonical',
        line: lineNumber,
        seq: event.seq,
        message: `event ${event.seq} is not written in canonical form (the file was rewritten)`,
      };
      return false;
    }
    this.decoded.write(event.hash, 'hex');
    this.accept(event.seq, event.redacted === true, event);
    return true;
  }

  /** Records an accepted event whose hash is in `this.decoded`. */
  private accept(seq: number, redacted: boolean, event: AuditEvent | null): void {
    if (this.hashStore) {
      const offset = this.count * 32;
      if (offset + 32 > this.hashStore.length) {
        const bigger = Buffer.alloc(this.hashStore.length * 2);
        this.hashStore.copy(bigger);
        this.hashStore = bigger;
      }
      this.decoded.copy(this.hashStore, offset);
    }
    if (this.count === 0) {
      this.firstSeq = seq;
      this.firstEvent = event;
    }
    if (event && this.collectNames.has(event.action)) this.collected.push(event);
    if (redacted) this.redactedCount++;
    this.count++;
    this.decoded.copy(this.prev);
    this.havePrev = true;
    this.lastSeq = seq;
    this.expectedSeq = seq + 1;
  }
}
