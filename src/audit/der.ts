/**
 * A minimal, strict DER reader for the verifier side (CMS, X.509). It keeps exact byte ranges,
 * because signatures cover the bytes as received, and it depends on nothing but Buffer, so the
 * standalone verifier needs no ASN.1 library. Anything that is not definite-length DER is refused.
 */

export interface DerNode {
  /** The identifier octet: class bits, constructed bit and tag number (low tag numbers only). */
  tag: number;
  /** Offset of the identifier octet in `buf`. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the last content octet. */
  end: number;
  buf: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag `[n]`, constructed when `constructed` (EXPLICIT tags and IMPLICIT SETs). */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

export class DerError extends Error {
  override name = 'DerError';
}

export function readNode(buf: Buffer, offset = 0, limit = buf.length): DerNode {
  if (offset + 2 > limit) throw new DerError('truncated DER: no room for a tag and a length');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in these structures');
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite lengths are not DER');
    if (count > 4) throw new DerError('length too large');
    if (pos + count > limit) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    if (length < 0x80 || buf[pos - count] === 0) throw new DerError('length not minimally encoded');
  }
  const end = pos + length;
  if (end > limit) throw new DerError('truncated DER value');
  return { tag, start: offset, contentStart: pos, end, buf };
}

/** Parses a buffer that must hold exactly one DER value. */
export function parseDer(buf: Buffer): DerNode {
  const node = readNode(buf, 0, buf.length);
  if (node.end !== buf.length) throw new DerError('trailing bytes after the DER value');
  return node;
}

export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError('expected a constructed value');
  const out: DerNode[] = [];
  let pos = node.contentStart;
  while (pos < node.end) {
    const child = readNode(node.buf, pos, node.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what} is missing`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}

/** The whole encoding (identifier, length and content). */
export function encoded(node: DerNode): Buffer {
  return node.buf.subarray(node.start, node.end);
}

export function content(node: DerNode): Buffer {
  return node.buf.subarray(node.contentStart, node.end);
}

export function readOid(node: DerNode): string {
  expectTag(node, TAG.OID, 'object identifier');
  const bytes = content(node);
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (value === 0 && b === 0x80) throw new DerError('object identifier not minimally encoded');
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    } else if (i === bytes.length - 1) {
      throw new DerError('truncated object identifier');
    }
  }
  return parts.join('.');
}

export function readSmallInteger(node: DerNode): number {
  expectTag(node, TAG.INTEGER, 'integer');
  const bytes = content(node);
  if (bytes.length === 0 || bytes.length > 6) throw new DerError('integer out of range');
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  if (bytes[0]! & 0x80) throw new DerError('negative integer where a version was expected');
  return value;
}

/** UTCTime or GeneralizedTime in the DER forms (`YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`). */
export function readTime(node: DerNode): Date {
  const text = content(node).toString('latin1');
  let match: RegExpExecArray | null;
  if (node.tag === TAG.UTC_TIME && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(match[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(Date.UTC(year, Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6])));
  }
  if (node.tag === TAG.GENERALIZED_TIME && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    return new Date(
      Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6])),
    );
  }
  throw new DerError('unsupported time encoding');
}
