/**
 * A byte-level recogniser for the ONE spelling of an event line that canonicalJson produces, so
 * the verifier can hash the bytes as they stand instead of parsing and re-serialising a million
 * lines. `scanCanonicalEvent` accepts a line only if it is exactly canonicalJson of an event with
 * the exported fields and plain types: keys in order, no whitespace, safe integers, strings written
 * as JSON.stringify writes them, valid UTF-8. For such a line the raw spans ARE the canonical texts
 * chain.ts hashes. Anything it is unsure about (an unusual escape, a non-ASCII key, deep nesting)
 * returns -1 and the caller takes the slow, exact path through JSON.parse and checkChain; so this
 * recogniser may be narrower than canonical JSON, never wider. One check is left to the caller, which
 * has to read them anyway: that the three 64-character hash fields are lower-case hex (decodeHash in
 * event-line.ts refuses anything else).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DEPTH = 64;

/**
 * Where the parts of a recognised line are: byte offsets into the line's buffer, written into a
 * reusable Int32Array (no allocation per line). Pairs are [start, end); hash fields point at the
 * first of their 64 hex digits (not yet checked to be hex: the caller decodes and checks them).
 */
export const SPAN = {
  action: 0, // and 1
  actor: 2, // and 3
  details: 4, // and 5
  detailsHash: 6,
  hash: 7,
  mono: 8, // and 9
  outcome: 10, // and 11
  prevHash: 12,
  redacted: 13, // 1 or 0
  seq: 14, // and 15
  target: 16, // and 17
  time: 18, // and 19
  size: 20,
} as const;

export function newSpans(): Int32Array {
  return new Int32Array(SPAN.size);
}

/** Set by scanString: whether the last string was plain ASCII without escapes (safe to compare as bytes). */
let lastStringPlain = true;

function continuation(buf: Uint8Array, pos: number, end: number): boolean {
  return pos < end && (buf[pos]! & 0xc0) === 0x80;
}

/** Index after a JSON string in canonical spelling starting at `pos` (a quote), or -1. */
function scanString(buf: Uint8Array, pos: number, end: number): number {
  if (buf[pos] !== QUOTE) return -1;
  let plain = true;
  let p = pos + 1;
  while (p < end) {
    const b = buf[p]!;
    if (b === QUOTE) {
      lastStringPlain = plain;
      return p + 1;
    }
    if (b < 0x20) return -1; // raw control character: not JSON
    if (b === BACKSLASH) {
      plain = false;
      const e = buf[p + 1];
      // JSON.stringify's short escapes; \u00XX only for controls without one. Anything else: slow path.
      if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        p += 2;
        continue;
      }
      if (e === 0x75 && buf[p + 2] === ZERO && buf[p + 3] === ZERO && (buf[p + 4] === ZERO || buf[p + 4] === 0x31)) {
        const low = buf[p + 5]!;
        const digit = low >= ZERO && low <= NINE ? low - ZERO : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
        if (digit < 0) return -1;
        const code = (buf[p + 4] === 0x31 ? 16 : 0) + digit;
        if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
        p += 6;
        continue;
      }
      return -1;
    }
    if (b < 0x80) {
      p++;
      continue;
    }
    plain = false;
    // Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
    if (b >= 0xc2 && b <= 0xdf) {
      if (!continuation(buf, p + 1, end)) return -1;
      p += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const b1 = buf[p + 1]!;
      if (p + 2 >= end || (b1 & 0xc0) !== 0x80 || !continuation(buf, p + 2, end)) return -1;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f)) return -1;
      p += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const b1 = buf[p + 1]!;
      if (p + 3 >= end || (b1 & 0xc0) !== 0x80 || !continuation(buf, p + 2, end) || !continuation(buf, p + 3, end)) return -1;
      if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return -1;
      p += 4;
    } else {
      return -1;
    }
  }
  return -1;
}

/** Index after a canonical integer (safe, no leading zeros, no -0), or -1. */
function scanInteger(buf: Uint8Array, pos: number, end: number): number {
  let p = pos;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  const first = p;
  if (p >= end || buf[p]! < ZERO || buf[p]! > NINE) return -1;
  if (buf[p] === ZERO) {
    p++;
    if (negative) return -1; // -0 is written 0
  } else {
    while (p < end && buf[p]! >= ZERO && buf[p]! <= NINE) p++;
  }
  const digits = p - first;
  if (digits > 16) return -1;
  if (digits === 16 && Number(Buffer.from(buf.buffer, buf.byteOffset + first, digits).toString('latin1')) > Number.MAX_SAFE_INTEGER)
    return -1;
  const next = buf[p];
  if (next === 0x2e || next === 0x65 || next === 0x45) return -1; // fraction or exponent
  return p;
}

function matchLiteral(buf: Uint8Array, pos: number, end: number, literal: Uint8Array): number {
  if (pos + literal.length > end) return -1;
  for (let i = 0; i < literal.length; i++) if (buf[pos + i] !== literal[i]) return -1;
  return pos + literal.length;
}

/** A DataView of `buf` (the last one made is reused): it reads 4 bytes at a time, 2-3x faster than byte loops. */
export function viewOf(buf: Uint8Array): DataView<ArrayBufferLike> {
  if (buf !== viewed) {
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    viewed = buf;
  }
  return view;
}
let viewed: Uint8Array | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A fixed run of bytes, kept as little-endian 32-bit words and a tail, for matchKey. */
interface Key {
  length: number;
  words: Uint32Array;
  tail: Uint8Array;
}

function key(text: string): Key {
  const bytes = Buffer.from(text, 'latin1');
  const whole = bytes.length & ~3;
  const words = new Uint32Array(whole / 4);
  for (let i = 0; i < words.length; i++) words[i] = bytes.readUInt32LE(4 * i);
  return { length: bytes.length, words, tail: bytes.subarray(whole) };
}

/** matchLiteral for a Key, reading the line through its DataView `v`. */
function matchKey(buf: Uint8Array, v: DataView, pos: number, end: number, k: Key): number {
  if (pos + k.length > end) return -1;
  const words = k.words;
  for (let i = 0; i < words.length; i++) if (v.getUint32(pos + 4 * i, true) !== words[i]) return -1;
  const at = pos + 4 * words.length;
  const tail = k.tail;
  for (let i = 0; i < tail.length; i++) if (buf[at + i] !== tail[i]) return -1;
  return pos + k.length;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

function compareBytes(buf: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = buf[a0 + i]! - buf[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

/** Index after a canonical JSON value, or -1. */
function scanValue(buf: Uint8Array, pos: number, end: number, depth: number): number {
  const b = buf[pos];
  if (b === QUOTE) return scanString(buf, pos, end);
  if (b === 0x7b) return depth >= MAX_DEPTH ? -1 : scanObject(buf, pos, end, depth + 1);
  if (b === 0x5b) return depth >= MAX_DEPTH ? -1 : scanArray(buf, pos, end, depth + 1);
  if (b === 0x74) return matchLiteral(buf, pos, end, TRUE);
  if (b === 0x66) return matchLiteral(buf, pos, end, FALSE);
  if (b === 0x6e) return matchLiteral(buf, pos, end, NULL);
  return scanInteger(buf, pos, end);
}

function scanArray(buf: Uint8Array, pos: number, end: number, depth: number): number {
  let p = pos + 1;
  if (buf[p] === 0x5d) return p + 1;
  for (;;) {
    p = scanValue(buf, p, end, depth);
    if (p < 0) return -1;
    if (buf[p] === COMMA) p++;
    else if (buf[p] === 0x5d) return p + 1;
    else return -1;
  }
}

function scanObject(buf: Uint8Array, pos: number, end: number, depth: number): number {
  let p = pos + 1;
  if (buf[p] === 0x7d) return p + 1;
  let previousKey0 = -1;
  let previousKey1 = -1;
  for (;;) {
    const key0 = p;
    p = scanString(buf, p, end);
    // Keys are compared as bytes, which equals canonicalJson's UTF-16 order only for plain ASCII.
    if (p < 0 || !lastStringPlain) return -1;
    if (previousKey0 >= 0 && compareBytes(buf, previousKey0, previousKey1, key0, p) >= 0) return -1;
    previousKey0 = key0;
    previousKey1 = p;
    if (buf[p] !== COLON) return -1;
    p = scanValue(buf, p + 1, end, depth);
    if (p < 0) return -1;
    if (buf[p] === COMMA) p++;
    else if (buf[p] === 0x7d) return p + 1;
    else return -1;
  }
}

const K_ACTION = key('{"action":');
const K_ACTOR = key(',"actor":');
const K_DETAILS = key(',"details":');
const K_DETAILS_HASH = key(',"detailsHash":"');
const K_HASH = key('","hash":"');
const K_MONO = key('","mono":');
const K_OUTCOME = key(',"outcome":');
const K_PREV_HASH = key(',"prevHash":"');
const K_REDACTED = key('","redacted":');
const K_SEQ_AFTER_HASH = key('","seq":');
const K_SEQ = key(',"seq":');
const K_TARGET = key(',"target":');
const K_TIME = key(',"time":');

function isOutcome(buf: Uint8Array, start: number, end: number): boolean {
  // "success" / "failure" (9 bytes) or "denied" (8), quotes included.
  const length = end - start;
  if (length === 9) return matchLiteral(buf, start, end, SUCCESS) === end || matchLiteral(buf, start, end, FAILURE) === end;
  return length === 8 && matchLiteral(buf, start, end, DENIED) === end;
}
const SUCCESS = Buffer.from('"success"');
const FAILURE = Buffer.from('"failure"');
const DENIED = Buffer.from('"denied"');

/**
 * Recognises a canonical event line in buf[start, end) and writes where its parts are into `spans`
 * (see SPAN). Returns the event's seq, or -1 when the line is not recognised.
 */
export function scanCanonicalEvent(buf: Uint8Array, start: number, end: number, spans: Int32Array): number {
  const v = viewOf(buf);
  let p = matchKey(buf, v, start, end, K_ACTION);
  if (p < 0) return -1;
  spans[SPAN.action] = p;
  p = scanString(buf, p, end);
  if (p < 0) return -1;
  spans[SPAN.action + 1] = p;
  p = matchKey(buf, v, p, end, K_ACTOR);
  if (p < 0) return -1;
  spans[SPAN.actor] = p;
  p = scanString(buf, p, end);
  if (p < 0) return -1;
  spans[SPAN.actor + 1] = p;
  p = matchKey(buf, v, p, end, K_DETAILS);
  if (p < 0) return -1;
  spans[SPAN.details] = p;
  p = scanValue(buf, p, end, 0);
  if (p < 0) return -1;
  spans[SPAN.details + 1] = p;
  p = matchKey(buf, v, p, end, K_DETAILS_HASH);
  if (p < 0) return -1;
  spans[SPAN.detailsHash] = p;
  p = matchKey(buf, v, p + 64, end, K_HASH);
  if (p < 0) return -1;
  spans[SPAN.hash] = p;
  p = matchKey(buf, v, p + 64, end, K_MONO);
  if (p < 0) return -1;
  spans[SPAN.mono] = p;
  p = scanInteger(buf, p, end);
  if (p < 0) return -1;
  spans[SPAN.mono + 1] = p;
  p = matchKey(buf, v, p, end, K_OUTCOME);
  if (p < 0) return -1;
  const outcome0 = p;
  p = scanString(buf, p, end);
  if (p < 0 || !isOutcome(buf, outcome0, p)) return -1;
  spans[SPAN.outcome] = outcome0;
  spans[SPAN.outcome + 1] = p;
  p = matchKey(buf, v, p, end, K_PREV_HASH);
  if (p < 0) return -1;
  spans[SPAN.prevHash] = p;
  p += 64;
  spans[SPAN.redacted] = 0;
  const afterRedacted = matchKey(buf, v, p, end, K_REDACTED);
  if (afterRedacted >= 0) {
    const t = matchLiteral(buf, afterRedacted, end, TRUE);
    if (t >= 0) {
      spans[SPAN.redacted] = 1;
      p = t;
    } else {
      p = matchLiteral(buf, afterRedacted, end, FALSE);
      if (p < 0) return -1;
    }
    p = matchKey(buf, v, p, end, K_SEQ);
  } else {
    p = matchKey(buf, v, p, end, K_SEQ_AFTER_HASH);
  }
  if (p < 0 || buf[p] === MINUS) return -1;
  const seq0 = p;
  p = scanInteger(buf, p, end);
  if (p < 0) return -1;
  let seq = 0;
  for (let i = seq0; i < p; i++) seq = seq * 10 + (buf[i]! - ZERO);
  if (seq < 1) return -1;
  spans[SPAN.seq] = seq0;
  spans[SPAN.seq + 1] = p;
  p = matchKey(buf, v, p, end, K_TARGET);
  if (p < 0) return -1;
  spans[SPAN.target] = p;
  p = buf[p] === QUOTE ? scanString(buf, p, end) : matchLiteral(buf, p, end, NULL);
  if (p < 0) return -1;
  spans[SPAN.target + 1] = p;
  p = matchKey(buf, v, p, end, K_TIME);
  if (p < 0) return -1;
  spans[SPAN.time] = p;
  p = scanString(buf, p, end);
  if (p < 0) return -1;
  spans[SPAN.time + 1] = p;
  if (p + 1 !== end || buf[p] !== 0x7d) return -1;
  return seq;
}
