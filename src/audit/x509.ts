/**
 * Reading X.509 certificates without a native module or an ASN.1 library: der.ts for the exact
 * bytes (issuer, serial, extensions), Node's X509Certificate for names and the public key.
 * Shared by the identity code and the standalone verifier.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { TAG, children, contextTag, content, encoded, expectTag, parseDer, readOid, readTime, type DerNode } from './der';
import { OID } from './oids';

export interface ParsedCertificate {
  der: Buffer;
  /** The DER of the TBSCertificate (what the issuer signed). */
  tbs: Buffer;
  /** Content octets of the serial number INTEGER (as in IssuerAndSerialNumber). */
  serial: Buffer;
  /** Full DER encodings of the issuer and subject Names. */
  issuerDer: Buffer;
  subjectDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

/** KeyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export function pemToDer(pem: string, label = 'CERTIFICATE'): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`no ${label} PEM block found`);
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

/** Every CERTIFICATE block in a PEM text (a CA bundle may hold several). */
export function pemBlocksToDer(pem: string): Buffer[] {
  const out: Buffer[] = [];
  for (const match of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** SHA-256 of the DER certificate, upper-case hex pairs joined by colons (as `openssl x509 -fingerprint -sha256`). */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

export function parseCertificate(der: Buffer): ParsedCertificate {
  const cert = parseDer(der);
  const [tbsNode] = children(expectTag(cert, TAG.SEQUENCE, 'certificate'));
  const tbsFields = children(expectTag(tbsNode, TAG.SEQUENCE, 'TBSCertificate'));
  let i = 0;
  if (tbsFields[0]?.tag === contextTag(0)) i = 1; // version
  const serial = expectTag(tbsFields[i], TAG.INTEGER, 'serial number');
  const issuer = expectTag(tbsFields[i + 2], TAG.SEQUENCE, 'issuer');
  const validity = children(expectTag(tbsFields[i + 3], TAG.SEQUENCE, 'validity'));
  const subject = expectTag(tbsFields[i + 4], TAG.SEQUENCE, 'subject');
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (const field of tbsFields.slice(i + 6)) {
    if (field.tag !== contextTag(3)) continue;
    const [list] = children(field);
    for (const ext of children(expectTag(list, TAG.SEQUENCE, 'extensions'))) {
      const parts = children(ext);
      const id = readOid(parts[0]!);
      const critical = parts.length === 3 && parts[1]!.tag === TAG.BOOLEAN && content(parts[1]!)[0] !== 0;
      const value = content(expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extension value'));
      extensions.set(id, { critical, value });
    }
  }
  return {
    der,
    tbs: encoded(tbsNode!),
    serial: content(serial),
    issuerDer: encoded(issuer),
    subjectDer: encoded(subject),
    notBefore: readTime(validity[0]!),
    notAfter: readTime(validity[1]!),
    extensions,
  };
}

export function keyUsageBits(cert: ParsedCertificate): Set<number> | null {
  const ext = cert.extensions.get(OID.keyUsage);
  if (!ext) return null;
  const node = expectTag(parseDer(ext.value), TAG.BIT_STRING, 'keyUsage');
  const bytes = content(node).subarray(1);
  const bits = new Set<number>();
  bytes.forEach((byte, index) => {
    for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) bits.add(index * 8 + bit);
  });
  return bits;
}

export function extendedKeyUsage(cert: ParsedCertificate): string[] | null {
  const ext = cert.extensions.get(OID.extKeyUsage);
  if (!ext) return null;
  return children(expectTag(parseDer(ext.value), TAG.SEQUENCE, 'extKeyUsage')).map((n: DerNode) => readOid(n));
}

const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/**
 * Why this certificate cannot sign audit manifests so that `openssl cms -verify` accepts them without
 * `-purpose any` (OpenSSL's default purpose there is S/MIME signing), or null when it can.
 */
export function cmsSigningUnfitness(cert: ParsedCertificate): string | null {
  const usage = keyUsageBits(cert);
  if (usage && !usage.has(KEY_USAGE.digitalSignature) && !usage.has(KEY_USAGE.nonRepudiation)) {
    return 'its key usage allows neither digitalSignature nor nonRepudiation';
  }
  const eku = extendedKeyUsage(cert);
  if (eku && !eku.includes(OID.emailProtection) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) {
    return 'its extended key usage does not include emailProtection (S/MIME signing)';
  }
  return null;
}

export interface KeyDescription {
  type: 'rsa' | 'ec';
  /** e.g. `RSA-3072`, `EC P-256`. */
  label: string;
}

export function describeKey(key: KeyObject): KeyDescription {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', label: `RSA-${details.modulusLength ?? '?'}` };
  if (key.asymmetricKeyType === 'ec') {
    const curve =
      details.namedCurve === 'prime256v1'
        ? 'P-256'
        : details.namedCurve === 'secp384r1'
          ? 'P-384'
          : details.namedCurve === 'secp521r1'
            ? 'P-521'
            : (details.namedCurve ?? '?');
    return { type: 'ec', label: `EC ${curve}` };
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** `CN=a, O=b` from Node's newline-separated form. */
export function nameText(multiline: string): string {
  return multiline.split('\n').filter(Boolean).join(', ');
}

export function x509(der: Buffer): X509Certificate {
  return new X509Certificate(der);
}
