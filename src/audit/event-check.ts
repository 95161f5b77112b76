/**
 * Checking a million `events.jsonl` lines fast (the writing side is event-line.ts).
 *
 * The check reads the bytes of each line once, decodes the hashes in place and recomputes the chain;
 * it must agree exactly with chain.ts and canonical.ts. The agreement is tested on random and hostile
 * events (test/unit/audit/event-line.test.ts). Whenever the fast check finds anything wrong, the event
 * goes through chain.ts's `checkChain`, whose verdict and wording are the ones reported, so a
 * disagreement could only ever make the fast path stricter, never looser.
 */
import { newSpans, scanCanonicalEvent, SPAN } from './event-scan';
import { AUDIT_OUTCOMES, checkChain, sha256Hex, type AuditEvent, type ChainProblem } from './chain';
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
