/**
 * Thin helpers over node-forge's ASN.1 structures for the signing side (certificates, CMS).
 * forge builds the structures; the signature maths is Node's crypto (see identity.ts, cms.ts).
 * The verifier does not use this file (it reads DER with der.ts), so it stays free of forge.
 */
import forge from 'node-forge';

const { asn1 } = forge;
export type Asn1 = forge.asn1.Asn1;

const U = asn1.Class.UNIVERSAL;
const C = asn1.Class.CONTEXT_SPECIFIC;

function bytes(buf: Buffer): string {
  return buf.toString('binary');
}

export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

/** Wraps already-encoded DER (e.g. a SubjectPublicKeyInfo from Node) as a forge node. */
export function fromDer(der: Buffer): Asn1 {
  return asn1.fromDer(bytes(der), true);
}

export function seq(...items: Asn1[]): Asn1 {
  return asn1.create(U, asn1.Type.SEQUENCE, true, items);
}

/** A DER `SET OF`: members sorted by their encodings, as X.690 requires (signed attributes depend on it). */
export function setOf(...items: Asn1[]): Asn1 {
  const sorted = items
    .map((item) => ({ item, der: toDer(item) }))
    .sort((a, b) => Buffer.compare(a.der, b.der))
    .map((entry) => entry.item);
  return asn1.create(U, asn1.Type.SET, true, sorted);
}

export function oid(dotted: string): Asn1 {
  return asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
}

export function nul(): Asn1 {
  return asn1.create(U, asn1.Type.NULL, false, '');
}

export function bool(value: boolean): Asn1 {
  return asn1.create(U, asn1.Type.BOOLEAN, false, value ? '\xff' : '\x00');
}

/** A non-negative INTEGER from its big-endian magnitude (minimal two's complement encoding). */
export function uint(magnitude: Buffer | number): Asn1 {
  let buf = typeof magnitude === 'number' ? numberBytes(magnitude) : magnitude;
  let start = 0;
  while (start < buf.length - 1 && buf[start] === 0) start++;
  buf = buf.subarray(start);
  if (buf.length === 0) buf = Buffer.from([0]);
  if (buf[0]! & 0x80) buf = Buffer.concat([Buffer.from([0]), buf]);
  return asn1.create(U, asn1.Type.INTEGER, false, bytes(buf));
}

function numberBytes(value: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

export function octets(value: Buffer): Asn1 {
  return asn1.create(U, asn1.Type.OCTETSTRING, false, bytes(value));
}

/** BIT STRING with no unused bits. */
export function bitString(value: Buffer): Asn1 {
  return asn1.create(U, asn1.Type.BITSTRING, false, '\x00' + bytes(value));
}

/** BIT STRING holding named bits (e.g. KeyUsage), DER: trailing zero bits dropped. */
export function namedBits(bitsSet: number[]): Asn1 {
  const highest = Math.max(...bitsSet);
  const out = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bitsSet) out[Math.floor(bit / 8)]! |= 0x80 >> (bit % 8);
  const unused = 7 - (highest % 8);
  return asn1.create(U, asn1.Type.BITSTRING, false, String.fromCharCode(unused) + bytes(out));
}

export function utf8(value: string): Asn1 {
  return asn1.create(U, asn1.Type.UTF8, false, forge.util.encodeUtf8(value));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), whole seconds. */
export function time(date: Date): Asn1 {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  if (whole.getUTCFullYear() < 2050) return asn1.create(U, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(whole));
  return asn1.create(U, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(whole));
}

/** `[n] EXPLICIT` wrapper. */
export function explicit(n: number, inner: Asn1): Asn1 {
  return asn1.create(C, n, true, [inner]);
}

/** `[n] IMPLICIT` constructed (e.g. `[0] IMPLICIT SET OF`), members sorted like a DER SET OF. */
export function implicitSetOf(n: number, items: Asn1[]): Asn1 {
  const set = setOf(...items);
  return asn1.create(C, n, true, set.value);
}

export function name(rdns: Array<[oid: string, value: string]>): Asn1 {
  return seq(...rdns.map(([type, value]) => setOf(seq(oid(type), utf8(value)))));
}

export function algorithm(dotted: string, params: Asn1 | null): Asn1 {
  return params ? seq(oid(dotted), params) : seq(oid(dotted));
}

/** INTEGER from its exact content octets (e.g. a certificate serial copied into IssuerAndSerialNumber). */
export function rawInteger(contentOctets: Buffer): Asn1 {
  return asn1.create(U, asn1.Type.INTEGER, false, bytes(contentOctets));
}
