/**
 * Checking a million `events.jsonl` lines fast (the writing side is event-line.ts).
 *
 * The check reads the bytes of each line once, decodes the hashes in place and recomputes the chain;
 * it must agree exactly with chain.ts and canonical.ts. The agreement is tested on random and hostile
 * events (test/unit/audit/event-line.test.ts). Whenever the fast check finds anything wrong, the event
 * goes through chain.ts's `checkChain`, whose verdict and wording are the ones reported, so a
 * disagreement could only ever make the fast path stricter, never looser.
 */
import * as crypto from 'node:crypto';
import { newSpans, scanCanonicalEvent, SPAN, viewOf } from './event-scan';
import { AUDIT_OUTCOMES, checkChain, type AuditEvent, type ChainProblem } from './chain';
import { fastCanonical, lineFromParts, textsOf } from './event-line';

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

/** For each byte, its two lower-case hex digits as a little-endian 16-bit number. */
const HEX_PAIR = new Uint16Array(256);
for (let d = 0; d < 256; d++) HEX_PAIR[d] = '0123456789abcdef'.charCodeAt(d >> 4) | ('0123456789abcdef'.charCodeAt(d & 15) << 8);

/**
 * Whether the 64 bytes at pos (v: a DataView of the line's buffer) are the lower-case hex spelling of
 * `digest` (32 bytes as one-byte characters); copies the digest's bytes to out[at, at + 32) meanwhile.
 */
function spellsDigest(v: DataView, pos: number, digest: string, out: Uint8Array, at: number): boolean {
  for (let i = 0; i < 32; i += 2) {
    const d0 = digest.charCodeAt(i);
    const d1 = digest.charCodeAt(i + 1);
    out[at + i] = d0;
    out[at + i + 1] = d1;
    if (v.getUint32(pos + 2 * i, true) !== (HEX_PAIR[d0]! | (HEX_PAIR[d1]! << 16))) return false;
  }
  return true;
}

/** Whether the 64 bytes at a and at b are the same (v: a DataView of the line's buffer). */
function same64(v: DataView, a: number, b: number): boolean {
  for (let i = 0; i < 64; i += 4) if (v.getUint32(a + i, true) !== v.getUint32(b + i, true)) return false;
  return true;
}

/** Copies [a, b) of the DataView `from` to `out` at n, 4 bytes at a time; returns the new end. */
function put(out: DataView, n: number, from: DataView, a: number, b: number): number {
  for (; a + 4 <= b; a += 4, n += 4) out.setUint32(n, from.getUint32(a, true), true);
  for (; a < b; a++, n++) out.setUint8(n, from.getUint8(a));
  return n;
}

/** SHA-256 of `data` as 32 characters, one per byte ('binary' is latin1): cheaper to make and compare than hex. */
const sha256Latin1: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

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
  /** Where the previous line's hash text is in the block being checked by lines(), or -1. */
  private prevText = -1;
  private expectedSeq: number | null;
  private lineNumber = 0;
  private scratch = Buffer.alloc(4096);
  private scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length);
  private readonly prevView = new DataView(this.prev.buffer, this.prev.byteOffset, 32);
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
    this.prevText = -1;
    return this.checkLine(buf, start, end);
  }

  /**
   * Checks the lines in buf[start, end), each ending with a newline (a block the caller does not change
   * meanwhile). Returns false once a problem was found, or if the last line has no newline.
   */
  lines(buf: Buffer, start: number, end: number): boolean {
    this.prevText = -1;
    while (start < end) {
      const newline = buf.indexOf(0x0a, start);
      if (newline < 0 || newline >= end) return false;
      if (!this.checkLine(buf, start, newline)) return false;
      start = newline + 1;
    }
    return this.problem === null;
  }

  private checkLine(buf: Buffer, start: number, end: number): boolean {
    if (this.problem) return false;
    this.lineNumber++;
    const spans = this.spans;
    const seq = scanCanonicalEvent(buf, start, end, spans);
    if (seq > 0 && this.fastCheck(buf, seq, spans)) {
      if (this.count === 0) this.firstPrevHash = buf.toString('latin1', spans[SPAN.prevHash], spans[SPAN.prevHash]! + 64);
      this.accept(
        seq,
        spans[SPAN.redacted] === 1,
        this.count === 0 || this.wanted(buf, spans) ? (JSON.parse(buf.toString('utf8', start, end)) as AuditEvent) : null,
      );
      this.prevText = spans[SPAN.hash]!;
      return true;
    }
    this.prevText = -1;
    return this.slowLine(buf.toString('utf8', start, end));
  }

  /** Whether the recognised line's action is one of collectActions. */
  private wanted(buf: Buffer, s: Int32Array): boolean {
    const action0 = s[SPAN.action]!;
    const length = s[SPAN.action + 1]! - action0;
    for (const a of this.collectActions) if (a.length === length && buf.compare(a, 0, length, action0, action0 + length) === 0) return true;
    return false;
  }

  /**
   * The chain checks on the line's bytes: seq, prevHash link, detailsHash (unless redacted) and
   * hash = SHA-256(prevHash bytes || canonical header || detailsHash bytes). The canonical header is
   * three runs of the line as it stands (the scanner matched every key around them):
   * `{"action":…,"actor":…` + `,"mono":…,"outcome":…` + `,"seq":…,"target":…,"time":…}`.
   * Leaves the event's hash in `this.decoded`.
   */
  private fastCheck(buf: Buffer, seq: number, s: Int32Array): boolean {
    if (this.expectedSeq !== null && seq !== this.expectedSeq) return false;
    const head0 = s[SPAN.action]! - 10; // {"action":
    const head1 = s[SPAN.actor + 1]!;
    const mid0 = s[SPAN.mono]! - 8; // ,"mono":
    const mid1 = s[SPAN.outcome + 1]!;
    const tail0 = s[SPAN.seq]! - 7; // ,"seq":
    const tail1 = s[SPAN.time + 1]! + 1; // the closing brace
    const needed = 64 + (head1 - head0) + (mid1 - mid0) + (tail1 - tail0);
    if (needed > this.scratch.length) {
      this.scratch = Buffer.alloc(needed * 2);
      this.scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length);
      this.scratchViews = [];
    }
    const out = this.scratch;
    const outView = this.scratchView;
    const line = viewOf(buf);
    const prevHash = s[SPAN.prevHash]!;
    if (!this.havePrev) {
      if (!decodeHash(buf, prevHash, out, 0)) return false;
    } else if (this.prevText >= 0 && same64(line, prevHash, this.prevText)) {
      // The same text as the previous line's hash, which spelled this.prev exactly.
      put(outView, 0, this.prevView, 0, 32);
    } else if (!decodeHash(buf, prevHash, out, 0) || !sameHash(out, 0, this.prev)) {
      return false;
    }
    let n = put(outView, 32, line, head0, head1);
    n = put(outView, n, line, mid0, mid1);
    n = put(outView, n, line, tail0, tail1);
    const detailsHash = s[SPAN.detailsHash]!;
    if (s[SPAN.redacted] === 1) {
      if (!decodeHash(buf, detailsHash, out, n)) return false;
    } else {
      // The text spells the digest exactly, so the digest is its decoded value.
      const details = sha256Latin1(buf.subarray(s[SPAN.details], s[SPAN.details + 1]));
      if (!spellsDigest(line, detailsHash, details, out, n)) return false;
    }
    n += 32;
    const digest = sha256Latin1((this.scratchViews[n] ??= out.subarray(0, n)));
    return spellsDigest(line, s[SPAN.hash]!, digest, this.decoded, 0);
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
