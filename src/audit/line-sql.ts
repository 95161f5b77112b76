/**
 * The SQL that has the store write an exported event's line itself, around the stored details text,
 * so that reading a row hands JavaScript a few strings instead of eleven and no JSON.stringify runs
 * (log.ts, storedLinePages). A line is used only where it is provably what canonicalEventLine
 * writes (event-line.ts), which detailsSpan checks: every string field printable ASCII without `"`
 * or `\` (then JSON.stringify(s) is exactly '"' + s + '"'), seq and mono integers in the safe range
 * (then SQLite's decimal text is String(n)), target such a string or NULL (`null`), keys in canonical
 * order. Any other row takes the ordinary path. The types need no test here: audit_events is a
 * STRICT table (migration 0001), so its TEXT columns hold text (target: or NULL) and its INTEGER
 * columns integers. The details text goes in as stored; the export still checks its hash before it
 * writes the line. test/integration/audit/store-lines.test.ts checks the lines against
 * canonicalEventLine on a real store, hostile fields included.
 */

type Kind = 'text' | 'integer' | 'text or null';
/** `inRow`: the field is also a column of the row, so JavaScript counts its length, not SQL. */
type Field = readonly [key: string, column: string, kind: Kind, inRow?: boolean];

/** The fields before the details and after them, in canonical (sorted) key order. */
const BEFORE: readonly Field[] = [
  ['action', 'action', 'text'],
  ['actor', 'actor', 'text'],
];
const AFTER: readonly Field[] = [
  ['detailsHash', 'details_hash', 'text', true],
  ['hash', 'hash', 'text', true],
  ['mono', 'mono', 'integer'],
  ['outcome', 'outcome', 'text'],
  ['prevHash', 'prev_hash', 'text', true],
  ['seq', 'seq', 'integer', true],
  ['target', 'target', 'text or null'],
  ['time', 'time', 'text'],
];

/** A string JSON.stringify writes between two quotes as it stands: printable ASCII, no `"` or `\`. */
const PLAIN = '[ !#-\\[\\]-~]*';
/** An integer as String(n) writes it (the safe range is SQL's test). */
const INTEGER = '-?(?:0|[1-9][0-9]*)';

/** SQL concatenation of literal text and columns, adjacent literals joined: concat() builds the text once (each || copies it). */
function concat(parts: ReadonlyArray<string | { sql: string }>): string {
  const out: string[] = [];
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      if (text) out.push(`'${text.replaceAll("'", "''")}'`);
      text = '';
      out.push(part.sql);
    }
  }
  if (text) out.push(`'${text.replaceAll("'", "''")}'`);
  return `concat(${out.join(', ')})`;
}

/**
 * The JSON text of `fields` (each after a comma but the first when `first`) as parts for `concat`,
 * its length in bytes but the `inRow` fields' as SQL (octet_length needs no scan), and a pattern
 * that accepts it only when every string in it is PLAIN and every integer is written as String(n).
 */
function members(fields: readonly Field[], first: boolean): { parts: Array<string | { sql: string }>; bytes: string; pattern: string } {
  const parts: Array<string | { sql: string }> = [];
  const bytes: string[] = [];
  const pattern: string[] = [];
  let fixed = 0;
  fields.forEach(([key, column, kind, inRow], i) => {
    const label = `${first && i === 0 ? '' : ','}${JSON.stringify(key)}:`;
    fixed += label.length;
    if (kind === 'integer') {
      parts.push(label, { sql: column });
      if (!inRow) bytes.push(`length(${column})`);
      pattern.push(label, INTEGER);
    } else if (kind === 'text') {
      parts.push(`${label}"`, { sql: column }, '"');
      if (!inRow) bytes.push(`octet_length(${column})`);
      fixed += 2;
      pattern.push(label, `"${PLAIN}"`);
    } else {
      parts.push(label, { sql: `coalesce('"' || ${column} || '"', 'null')` });
      bytes.push(`coalesce(octet_length(${column}) + 2, 4)`);
      pattern.push(label, `(?:null|"${PLAIN}")`);
    }
  });
  return { parts, bytes: [String(fixed), ...bytes].join(' + '), pattern: pattern.join('') };
}

const DETAILS_KEY = ',"details":';
const before = members(BEFORE, true);
const after = members(AFTER, false);
const SAFE = `BETWEEN ${-Number.MAX_SAFE_INTEGER} AND ${Number.MAX_SAFE_INTEGER}`;

/**
 * The result columns of a page of lines, in the order of `LineRow`: seq, prev_hash, hash,
 * details_hash, the line (NULL when seq or mono is outside the safe range), the byte length of the
 * text before the details, and of the text after them but the columns the row also holds.
 */
export const LINE_COLUMNS = [
  'seq',
  'prev_hash',
  'hash',
  'details_hash',
  `CASE WHEN seq ${SAFE} AND mono ${SAFE} THEN ${concat(['{', ...before.parts, DETAILS_KEY, { sql: 'details' }, ...after.parts, '}'])} END`,
  `1 + ${before.bytes} + ${DETAILS_KEY.length}`,
  `${after.bytes} + 1`,
].join(', ');

/** A row of LINE_COLUMNS as `.raw()` hands it out. */
export type LineRow = [seq: number, prevHash: string, hash: string, detailsHash: string, line: string | null, head: number, tail: number];

const HEAD = new RegExp(`^\\{${before.pattern}${DETAILS_KEY}$`);
const TAIL = new RegExp(`^${after.pattern}\\}$`);

/**
 * Where the details text is in a row's line, [start, end) in UTF-16 code units, or null when the
 * text around it is not exactly canonicalEventLine's. That text must be all printable ASCII: then
 * each of its characters is one byte (what SQL counted) and one code unit, so the counts are the
 * offsets. A field with a byte outside ASCII would put a character outside ASCII (itself, or U+FFFD
 * for a malformed byte) inside the span counted, as a character takes at most as many code units
 * as bytes, and the patterns refuse it; they refuse a `"` or `\` in a string and a control
 * character too, and check every key, so each string is exactly its column and JSON.stringify
 * writes it as it stands.
 */
export function detailsSpan(row: LineRow): { line: string; start: number; end: number } | null {
  const [seq, prevHash, hash, detailsHash, line, head, tail] = row;
  if (line === null) return null;
  const end = line.length - (tail + detailsHash.length + hash.length + prevHash.length + String(seq).length);
  if (end < head || !HEAD.test(line.slice(0, head)) || !TAIL.test(line.slice(end))) return null;
  return { line, start: head, end };
}
