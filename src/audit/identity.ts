/**
 * The workstation's audit signing identity: an X.509 certificate and its private key.
 *
 * Generated at setup (self-signed, RSA-3072 or EC P-256) or imported from the organisation's CA as
 * PKCS#12. The structures are built with node-forge's ASN.1; keys and signatures come from Node's
 * crypto for both key types (forge cannot make or use EC keys, and Node is much faster for RSA).
 *
 * Certificate profile (chosen so `openssl cms -verify ... -CAfile cert.pem` accepts signatures without
 * `-purpose any`; OpenSSL 3.0 checks the S/MIME-signing purpose there):
 *   basicConstraints   critical  CA:FALSE
 *   keyUsage           critical  digitalSignature, nonRepudiation
 *   extendedKeyUsage             emailProtection   (codeSigning is refused: "unsuitable certificate purpose")
 *   subjectKeyIdentifier, authorityKeyIdentifier (= own key id)
 * A self-signed CA:FALSE certificate works as its own trust anchor with OpenSSL 3 when given as -CAfile.
 *
 * The key is returned unencrypted (PKCS#8 PEM) so the caller can store it under the audit key;
 * never write it anywhere else.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, createHash, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { ApiError } from '../kernel';
import * as A from './asn1-build';
import { OID } from './oids';
import { TAG, children, content, expectTag, parseDer } from './der';
import { KEY_USAGE, cmsSigningUnfitness, derToPem, describeKey, fingerprintOf, nameText, parseCertificate, pemToDer, x509 } from './x509';

export type IdentityKind = 'rsa' | 'ec';

export interface SigningIdentity {
  /** The signer certificate, PEM. */
  certPem: string;
  /** The private key, unencrypted PKCS#8 PEM. Store it only under the audit key. */
  keyPem: string;
  /** SHA-256 of the DER certificate, `AB:CD:...` (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint: string;
  /** Issuer certificates that came with an imported PKCS#12 (PEM); empty for a self-signed identity. */
  chainPem: string[];
  /** Set when the key lives on a PKCS#11 token (keyPem is then empty): signs SHA-256 of its input, DER ECDSA. */
  sign?: (data: Buffer) => Buffer;
}

export interface GenerateIdentityOptions {
  kind: IdentityKind;
  commonName: string;
  workstationId: string;
  /** Default 3650 (ten years: exports must stay verifiable long after they were made). */
  validityDays?: number;
  /** For tests; defaults to the current time. */
  now?: Date;
}

export interface IdentityDescription {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprint: string;
  keyType: IdentityKind;
  /** e.g. `RSA-3072`, `EC P-256`. */
  keyLabel: string;
  selfSigned: boolean;
  /** Null when fit for CMS signing that `openssl cms -verify` accepts; otherwise why not. */
  unfitForSigning: string | null;
}

const generateKeyPairAsync = promisify(generateKeyPair);

function invalid(message: string): ApiError {
  return new ApiError('INVALID_INPUT', message);
}

function extension(id: string, critical: boolean, value: A.Asn1): A.Asn1 {
  return critical ? A.seq(A.oid(id), A.bool(true), A.octets(A.toDer(value))) : A.seq(A.oid(id), A.octets(A.toDer(value)));
}

/** Key identifier method 1 of RFC 5280: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spkiDer: Buffer): Buffer {
  const [, bits] = children(expectTag(parseDer(spkiDer), TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
  return createHash('sha1')
    .update(content(expectTag(bits, TAG.BIT_STRING, 'subjectPublicKey')).subarray(1))
    .digest();
}

export function signatureAlgorithmFor(key: KeyObject): A.Asn1 {
  return key.asymmetricKeyType === 'rsa' ? A.algorithm(OID.sha256WithRSAEncryption, A.nul()) : A.algorithm(OID.ecdsaWithSHA256, null);
}

function checkName(label: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 64) throw invalid(`${label} must be 1 to 64 characters; choose a shorter ${label}.`);
  return trimmed;
}

/** Generates a self-signed signing identity. RSA-3072 or EC P-256, SHA-256 signatures. */
export async function generateIdentity(options: GenerateIdentityOptions): Promise<SigningIdentity> {
  const commonName = checkName('common name', options.commonName);
  const workstationId = checkName('workstation id', options.workstationId);
  const validityDays = options.validityDays ?? 3650;
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 36500)
    throw invalid('validityDays must be a whole number of days between 1 and 36500.');
  const { publicKey, privateKey } =
    options.kind === 'rsa'
      ? await generateKeyPairAsync('rsa', { modulusLength: 3072, publicExponent: 0x10001 })
      : options.kind === 'ec'
        ? await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' })
        : (() => {
            throw invalid(`Unknown key kind "${String(options.kind)}"; use "rsa" or "ec".`);
          })();
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const certDer = selfSignedCertificate({
    spkiDer,
    sigAlg: signatureAlgorithmFor(privateKey),
    sign: (tbs) => sign('sha256', tbs, privateKey),
    commonName,
    workstationId,
    validityDays,
    now: options.now ?? new Date(),
  });
  return {
    certPem: derToPem(certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(certDer),
    chainPem: [],
  };
}

/** A self-signed X.509 signing certificate for the key `spkiDer`, signed by `sign` (in memory or on a token). */
export function selfSignedCertificate(o: {
  spkiDer: Buffer;
  sigAlg: A.Asn1;
  sign: (tbsDer: Buffer) => Buffer;
  commonName: string;
  workstationId: string;
  validityDays: number;
  now: Date;
}): Buffer {
  const keyId = keyIdentifier(o.spkiDer);
  const notBefore = new Date(o.now.getTime() - 5 * 60 * 1000); // tolerate a receiver clock a little behind
  const notAfter = new Date(o.now.getTime() + o.validityDays * 86_400_000);
  const subject = A.name([
    [OID.commonName, o.commonName],
    [OID.organizationName, 'Airgap Runner'],
    [OID.organizationalUnitName, `workstation ${o.workstationId}`],
  ]);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive
  serial[0]! |= 0x40; // and 16 bytes long
  const tbs = A.seq(
    A.explicit(0, A.uint(2)),
    A.uint(serial),
    o.sigAlg,
    subject,
    A.seq(A.time(notBefore), A.time(notAfter)),
    subject,
    A.fromDer(o.spkiDer),
    A.explicit(
      3,
      A.seq(
        extension(OID.basicConstraints, true, A.seq()),
        extension(OID.keyUsage, true, A.namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.nonRepudiation])),
        extension(OID.extKeyUsage, false, A.seq(A.oid(OID.emailProtection))),
        extension(OID.subjectKeyIdentifier, false, A.octets(keyId)),
        extension(OID.authorityKeyIdentifier, false, A.seq(implicitOctets(0, keyId))),
      ),
    ),
  );
  const tbsDer = A.toDer(tbs);
  return A.toDer(A.seq(A.fromDer(tbsDer), o.sigAlg, A.bitString(o.sign(tbsDer))));
}

/** A self-signed EC P-256 identity whose key stays on a token: `sign` returns a DER ECDSA signature over SHA-256 of its input. */
export function tokenIdentityCertificate(o: {
  spkiDer: Buffer;
  sign: (data: Buffer) => Buffer;
  commonName: string;
  workstationId: string;
  now: Date;
}): {
  certPem: string;
  fingerprint: string;
} {
  const certDer = selfSignedCertificate({
    spkiDer: o.spkiDer,
    sigAlg: A.algorithm(OID.ecdsaWithSHA256, null),
    sign: o.sign,
    commonName: checkName('common name', o.commonName),
    workstationId: checkName('workstation id', o.workstationId),
    validityDays: 3650,
    now: o.now,
  });
  return { certPem: derToPem(certDer), fingerprint: fingerprintOf(certDer) };
}

/** `[n] IMPLICIT OCTET STRING` (keyIdentifier inside AuthorityKeyIdentifier). */
function implicitOctets(n: number, value: Buffer): A.Asn1 {
  return forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, n, false, value.toString('binary'));
}

/**
 * Imports an identity from PKCS#12 (e.g. `openssl pkcs12 -export`), RSA or EC. forge parses the
 * container, checks its MAC and decrypts the bags; keys forge cannot represent (EC) arrive as their
 * PKCS#8 structure and go to Node's crypto. Refuses a file without exactly one key, a certificate that
 * does not belong to the key, an expired certificate, or one whose usage does not allow CMS signing.
 */
export function importPkcs12(data: Buffer, password: string, now = new Date()): SigningIdentity {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(data.toString('binary'), false), false, password);
  } catch (error) {
    const text = error instanceof Error ? error.message : '';
    if (/MAC could not be verified|decrypt|password/i.test(text)) {
      throw invalid('Could not open the PKCS#12 file: the password is wrong. Check the password and try again.');
    }
    throw invalid(
      'Could not read the PKCS#12 file (not PKCS#12, damaged, or an unsupported encryption). Export it again with `openssl pkcs12 -export` and retry.',
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  if (keyBags.length !== 1) {
    throw invalid(`The PKCS#12 file holds ${keyBags.length} private keys; it must hold exactly one (the audit signing key).`);
  }
  const keyBag = keyBags[0]!;
  const pkcs8 = keyBag.key
    ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key))
    : (keyBag as { asn1?: forge.asn1.Asn1 }).asn1;
  if (!pkcs8) throw invalid('The PKCS#12 key bag is empty; export the identity again.');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: A.toDer(pkcs8), format: 'der', type: 'pkcs8' });
  } catch {
    throw invalid('The private key in the PKCS#12 file could not be read; use an RSA or EC key.');
  }
  const keyInfo = describeKey(privateKey);
  if (keyInfo.type === 'rsa' && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw invalid('The RSA key is shorter than 2048 bits; ask for a certificate with a 3072-bit key.');
  }
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const certs = certBags.map((bag) =>
    bag.cert ? A.toDer(forge.pki.certificateToAsn1(bag.cert)) : A.toDer((bag as { asn1: forge.asn1.Asn1 }).asn1),
  );
  const mine = certs.filter((der) => x509(der).publicKey.export({ type: 'spki', format: 'der' }).equals(spki));
  if (mine.length === 0) {
    throw invalid(
      'The certificate in the PKCS#12 file does not belong to its private key. Export the matching certificate and key together.',
    );
  }
  const certDer = mine[0]!;
  const parsed = parseCertificate(certDer);
  if (parsed.notAfter.getTime() < now.getTime()) {
    throw invalid(`The certificate expired on ${parsed.notAfter.toISOString()}; ask your CA for a new one.`);
  }
  const unfit = cmsSigningUnfitness(parsed);
  if (unfit)
    throw invalid(
      `The certificate cannot sign audit exports: ${unfit}. Ask your CA for a certificate with key usage digitalSignature and extended key usage emailProtection.`,
    );
  return {
    certPem: derToPem(certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(certDer),
    chainPem: certs.filter((der) => !der.equals(certDer)).map((der) => derToPem(der)),
  };
}

/** What the UI and CLI show for an identity: names, validity, fingerprint and key type. */
export function describeIdentity(certPem: string): IdentityDescription {
  let der: Buffer;
  try {
    der = pemToDer(certPem);
  } catch {
    throw invalid('That is not a PEM certificate (expected "-----BEGIN CERTIFICATE-----").');
  }
  const cert = x509(der);
  const parsed = parseCertificate(der);
  const key = describeKey(cert.publicKey);
  return {
    subject: nameText(cert.subject),
    issuer: nameText(cert.issuer),
    serialNumber: cert.serialNumber,
    notBefore: parsed.notBefore.toISOString(),
    notAfter: parsed.notAfter.toISOString(),
    fingerprint: fingerprintOf(der),
    keyType: key.type,
    keyLabel: key.label,
    selfSigned: parsed.issuerDer.equals(parsed.subjectDer) && cert.verify(cert.publicKey),
    unfitForSigning: cmsSigningUnfitness(parsed),
  };
}

/** Checks that `keyPem` is the private key of `certPem` (e.g. before storing a replacement). */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return x509(pemToDer(certPem)).publicKey.export({ type: 'spki', format: 'der' }).equals(spki);
}
