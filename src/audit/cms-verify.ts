/**
 * Verifies a detached CMS SignedData (what cms.ts writes, and what `openssl cms -sign -binary` writes)
 * with nothing but der.ts and node:crypto: no openssl binary, no native module, no forge.
 *
 * Checks: exactly one signer identified by issuer and serial; SHA-256 digest; a contentType attribute of
 * id-data; a messageDigest attribute equal to SHA-256(content); the signature (RSA PKCS#1 v1.5 or
 * ECDSA) over the DER SET of signed attributes with the signer certificate's key; the certificate valid
 * at the signing time; and, given CA certificates, a chain from the signer to one of them (the signer
 * itself being one of them is fine: that is how a self-signed workstation identity is trusted).
 */
import { constants, createHash, verify } from 'node:crypto';
import {
  DerError,
  TAG,
  children,
  content,
  contextTag,
  encoded,
  expectTag,
  parseDer,
  readOid,
  readSmallInteger,
  readTime,
  type DerNode,
} from './der';
import { OID } from './oids';
import { derToPem, fingerprintOf, nameText, parseCertificate, pemBlocksToDer, x509, type ParsedCertificate } from './x509';

export interface VerifyDetachedOptions {
  /** PEM text with one or more trusted certificates (a CA, or the workstation's own certificate). */
  caPem?: string;
}

export interface DetachedVerification {
  ok: boolean;
  /** Null when the structure was too broken to find a signer certificate. */
  signerCertPem: string | null;
  fingerprint: string | null;
  subject: string | null;
  /** ISO time from the signingTime attribute, when present. */
  signingTime: string | null;
  /** True when `caPem` was given and the signer chains to it; null when no CA was given. */
  trusted: boolean | null;
  /** Why verification failed; absent when ok. */
  reason?: string;
  /** `signature` for a bad or malformed signature, `untrusted` for a good signature from a certificate `caPem` does not vouch for. */
  failure?: 'signature' | 'untrusted';
}

class CmsFailure extends Error {}

function fail(message: string): never {
  throw new CmsFailure(message);
}

interface SignerInfoParts {
  issuerDer: Buffer;
  serial: Buffer;
  signedAttrs: DerNode;
  signatureAlgorithm: string;
  signature: Buffer;
}

function readSignerInfo(node: DerNode): SignerInfoParts {
  const fields = children(expectTag(node, TAG.SEQUENCE, 'SignerInfo'));
  if (readSmallInteger(fields[0]!) !== 1)
    fail('the signer is identified by key identifier (SignerInfo v3), which this verifier does not support');
  const [issuer, serial] = children(expectTag(fields[1], TAG.SEQUENCE, 'issuerAndSerialNumber'));
  const digest = readOid(children(expectTag(fields[2], TAG.SEQUENCE, 'digestAlgorithm'))[0]!);
  if (digest !== OID.sha256) fail(`the signature uses digest ${digest}; only SHA-256 is accepted`);
  const signedAttrs = fields[3];
  if (!signedAttrs || signedAttrs.tag !== contextTag(0)) fail('the signature has no signed attributes');
  const signatureAlgorithm = readOid(children(expectTag(fields[4], TAG.SEQUENCE, 'signatureAlgorithm'))[0]!);
  const signature = content(expectTag(fields[5], TAG.OCTET_STRING, 'signature'));
  return {
    issuerDer: encoded(expectTag(issuer, TAG.SEQUENCE, 'issuer')),
    serial: content(expectTag(serial, TAG.INTEGER, 'serial number')),
    signedAttrs,
    signatureAlgorithm,
    signature,
  };
}

function readAttributes(signedAttrs: DerNode): Map<string, DerNode[]> {
  const out = new Map<string, DerNode[]>();
  for (const attribute of children(signedAttrs)) {
    const [type, values] = children(expectTag(attribute, TAG.SEQUENCE, 'attribute'));
    const id = readOid(type!);
    if (out.has(id)) fail(`the signed attribute ${id} appears twice`);
    out.set(id, children(expectTag(values, TAG.SET, 'attribute values')));
  }
  return out;
}

function checkSignature(cert: ParsedCertificate, algorithm: string, data: Buffer, signature: Buffer): boolean {
  const key = x509(cert.der).publicKey;
  if (key.asymmetricKeyType === 'rsa') {
    if (algorithm !== OID.rsaEncryption && algorithm !== OID.sha256WithRSAEncryption)
      fail(`signature algorithm ${algorithm} does not fit an RSA key`);
    return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  }
  if (key.asymmetricKeyType === 'ec') {
    if (algorithm !== OID.ecdsaWithSHA256 && algorithm !== OID.ecPublicKey) fail(`signature algorithm ${algorithm} does not fit an EC key`);
    return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  }
  return fail(`the signer key type ${key.asymmetricKeyType ?? 'unknown'} is not supported`);
}

/** Whether `signer` chains to one of `anchors`, through `intermediates` (depth-limited). */
function chainsTo(signer: Buffer, anchors: Buffer[], intermediates: Buffer[]): boolean {
  let current = signer;
  const seen = new Set<string>();
  for (let depth = 0; depth < 8; depth++) {
    if (anchors.some((anchor) => anchor.equals(current))) return true;
    const cert = x509(current);
    const issuedBy = (candidate: Buffer): boolean => {
      const issuer = x509(candidate);
      return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
    };
    if (anchors.some(issuedBy)) return true;
    const next = intermediates.find(
      (candidate) => !candidate.equals(current) && !seen.has(candidate.toString('base64')) && issuedBy(candidate),
    );
    if (!next) return false;
    seen.add(next.toString('base64'));
    current = next;
  }
  return false;
}

/** Verifies `p7s` (DER) as a detached signature over `contentBytes`. Never throws for bad input. */
export function verifyDetached(p7s: Buffer, contentBytes: Buffer, options: VerifyDetachedOptions = {}): DetachedVerification {
  const result: DetachedVerification = {
    ok: false,
    signerCertPem: null,
    fingerprint: null,
    subject: null,
    signingTime: null,
    trusted: null,
  };
  try {
    const [contentType, wrapped] = children(expectTag(parseDer(p7s), TAG.SEQUENCE, 'ContentInfo'));
    if (readOid(contentType!) !== OID.signedData) fail('the signature file is not CMS SignedData');
    const signedData = expectTag(children(expectTag(wrapped, contextTag(0), 'content'))[0], TAG.SEQUENCE, 'SignedData');
    const fields = children(signedData);
    const encap = children(expectTag(fields[2], TAG.SEQUENCE, 'encapContentInfo'));
    if (readOid(encap[0]!) !== OID.data) fail('the signed content type is not id-data');
    if (encap.length !== 1) fail('the signature embeds its content; a detached signature is expected');
    const certificates =
      fields[3]?.tag === contextTag(0)
        ? children(fields[3])
            .filter((n) => n.tag === TAG.SEQUENCE)
            .map(encoded)
        : [];
    const signerInfos = children(expectTag(fields[fields.length - 1], TAG.SET, 'signerInfos'));
    if (signerInfos.length !== 1) fail(`the signature has ${signerInfos.length} signers; exactly one is expected`);
    const signer = readSignerInfo(signerInfos[0]!);
    const parsed = certificates.map((der) => parseCertificate(Buffer.from(der)));
    const cert = parsed.find((c) => c.issuerDer.equals(signer.issuerDer) && c.serial.equals(signer.serial));
    if (!cert) fail('the signer certificate is not included in the signature');
    result.signerCertPem = derToPem(cert.der);
    result.fingerprint = fingerprintOf(cert.der);
    result.subject = nameText(x509(cert.der).subject);

    const attributes = readAttributes(signer.signedAttrs);
    const type = attributes.get(OID.contentType);
    if (!type || type.length !== 1 || readOid(type[0]!) !== OID.data) fail('the contentType signed attribute is missing or not id-data');
    const digest = attributes.get(OID.messageDigest);
    if (!digest || digest.length !== 1) fail('the messageDigest signed attribute is missing');
    const expected = createHash('sha256').update(contentBytes).digest();
    if (!content(expectTag(digest[0], TAG.OCTET_STRING, 'messageDigest')).equals(expected)) {
      fail('the signed digest does not match the content: the signed file was changed after signing');
    }
    const time = attributes.get(OID.signingTime);
    const signingTime = time && time.length === 1 ? readTime(time[0]!) : null;
    result.signingTime = signingTime ? signingTime.toISOString() : null;

    const signedBytes = Buffer.from(encoded(signer.signedAttrs));
    signedBytes[0] = TAG.SET;
    if (!checkSignature(cert, signer.signatureAlgorithm, signedBytes, signer.signature)) {
      fail('the signature does not match the signer certificate (wrong key or altered signature)');
    }
    const at = signingTime ?? new Date();
    if (at < cert.notBefore || at > cert.notAfter) {
      fail(
        `the signer certificate was not valid at the signing time ${at.toISOString()} (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
      );
    }
    if (options.caPem !== undefined) {
      const anchors = pemBlocksToDer(options.caPem);
      if (anchors.length === 0) fail('the CA file holds no PEM certificate');
      result.trusted = chainsTo(
        cert.der,
        anchors,
        certificates.map((der) => Buffer.from(der)),
      );
      if (!result.trusted) {
        result.failure = 'untrusted';
        result.reason = `the signer certificate (${result.fingerprint}) is not issued by the given CA`;
        return result;
      }
    }
    result.ok = true;
    return result;
  } catch (error) {
    result.failure = 'signature';
    if (error instanceof CmsFailure) result.reason = error.message;
    else if (error instanceof DerError) result.reason = `the signature file is malformed (${error.message})`;
    else result.reason = `the signature could not be checked (${error instanceof Error ? error.message : String(error)})`;
    return result;
  }
}
