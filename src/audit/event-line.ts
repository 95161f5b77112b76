/**
 * One `events.jsonl` line per audit event, written fast (checking them fast is event-check.ts).
 *
 * chain.ts and canonical.ts define the hashing; this file must agree with them exactly and only
 * exists because their generic code is too slow for the bench targets (1M events exported in under
 * 5 s, verified in at most 1.2x the time of `gzip -dc | openssl dgst`). The agreement is tested on
 * random and hostile events (test/unit/audit/event-line.test.ts). Whenever the fast check finds
 * anything wrong, the event goes through chain.ts's `checkChain`, whose verdict and wording are the
 * ones reported, so a disagreement could only ever make the fast path stricter, never looser.
 */
import { canonicalJson } from '../kernel';
import { sha256Hex, type AuditEvent } from './chain';

/** An event as the store holds it: its details still the stored JSON text (log.ts, storedEventPages). */
export type StoredAuditEvent = Omit<AuditEvent, 'details' | 'redacted'> & { detailsJson: string };

/** The event with its details parsed (JSON.parse throws on text that is not JSON). */
export function storedToEvent(e: StoredAuditEvent): AuditEvent {
  const { detailsJson, ...fields } = e;
  return { ...fields, details: JSON.parse(detailsJson) };
}

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
export interface EventTexts {
  action: string;
  actor: string;
  outcome: string;
  target: string;
  time: string;
}

/** An event's fields but its details. */
type EventFields = Omit<AuditEvent, 'details'>;

export function textsOf(e: EventFields): EventTexts {
  return {
    action: JSON.stringify(e.action),
    actor: JSON.stringify(e.actor),
    outcome: JSON.stringify(e.outcome),
    target: e.target === null ? 'null' : JSON.stringify(e.target),
    time: JSON.stringify(e.time),
  };
}

function hasPlainTypes(e: EventFields): boolean {
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

export function lineFromParts(e: EventFields, t: EventTexts, details: string): string {
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

/**
 * `canonicalJson(exportedFields(storedToEvent(e)))` for an event whose stored details text is the
 * very text its detailsHash covers (what the store writes, log.ts): that text IS the canonical
 * details, so it goes into the line as it stands, without parsing and re-serialising it. Null for
 * anything else (an older row's JSON.stringify text, a damaged row, unusual types): the caller then
 * parses it and writes it as canonicalEventLine does.
 */
export function storedEventLine(e: StoredAuditEvent): string | null {
  if (!hasPlainTypes(e) || typeof e.detailsJson !== 'string' || sha256Hex(e.detailsJson) !== e.detailsHash) return null;
  // An object literal in canonical key order, written by V8's JSON.stringify (several times faster
  // than joining the fields' JSON.stringify texts), with the details text put in for its placeholder.
  // `,"details":0,` can only be that key: inside a JSON string every quote is escaped (`\"`).
  const text = unredactedLine(e, 0);
  const at = text.indexOf(DETAILS_PLACEHOLDER) + DETAILS_PLACEHOLDER.length - 2;
  return `${text.slice(0, at)}${e.detailsJson}${text.slice(at + 1)}`;
}
const DETAILS_PLACEHOLDER = ',"details":0,';

/**
 * An event's line as the store wrote it around its stored details text (log.ts, storedLinePages;
 * line-sql.ts): only for an event whose fields but the details are printable ASCII strings without
 * `"` or `\`, or null target, and safe integers, so that the text around the details is exactly
 * canonicalEventLine's. Its details text is at [detailsStart, detailsEnd).
 */
export interface StoredLine {
  seq: number;
  prevHash: string;
  hash: string;
  detailsHash: string;
  line: string;
  detailsStart: number;
  detailsEnd: number;
}

/** The stored line when its details text is the very text its detailsHash covers (as storedEventLine); else null. */
export function storedLineText(e: StoredLine): string | null {
  return sha256Hex(e.line.slice(e.detailsStart, e.detailsEnd)) === e.detailsHash ? e.line : null;
}

/**
 * The stored event a line was written from, for the ordinary path (a details text whose hash does
 * not match, or a redacted export): the fields around the details are plain ASCII JSON strings and
 * safe integers, which JSON.parse gives back exactly as stored.
 */
export function storedLineEvent(e: StoredLine): StoredAuditEvent {
  const around = JSON.parse(`${e.line.slice(0, e.detailsStart)}0${e.line.slice(e.detailsEnd)}`) as AuditEvent;
  return {
    seq: e.seq,
    time: around.time,
    mono: around.mono,
    actor: around.actor,
    action: around.action,
    target: around.target,
    outcome: around.outcome,
    detailsJson: e.line.slice(e.detailsStart, e.detailsEnd),
    detailsHash: e.detailsHash,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** The line of an event without `redacted`, for plain types and canonically ordered details. */
function unredactedLine(e: EventFields, details: unknown): string {
  // An object literal in canonical key order: JSON.stringify writes it as canonicalJson does.
  return JSON.stringify({
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
  });
}

/** `canonicalJson(exportedFields(e))`, without the generic serializer's cost. */
export function canonicalEventLine(e: AuditEvent): string {
  if (!hasPlainTypes(e)) return canonicalJson(exportedFields(e));
  const details = canonicalOrder(e.details ?? null, 0);
  if (details === NOT_PLAIN) return lineFromParts(e, textsOf(e), fastCanonical(e.details ?? null));
  const line = unredactedLine(e, details);
  if (e.redacted === undefined) return line;
  // `"redacted"` sorts between prevHash and seq; `,"seq":` after the details can only be that key.
  const at = line.lastIndexOf(',"seq":') + 1;
  return `${line.slice(0, at)}"redacted":${e.redacted},${line.slice(at)}`;
}
