/**
 * Detached CMS (PKCS#7) SignedData over the export manifest, SHA-256, RSA or EC.
 *
 * One path for both key types: node-forge's ASN.1 builds ContentInfo / SignedData / SignerInfo, and
 * Node's crypto makes the signature over the DER SET of signed attributes (RSA PKCS#1 v1.5 or ECDSA).
 * forge's own pkcs7 signer is not used: it cannot sign with EC keys, and it does not sort the signed
 * attributes as DER requires (OpenSSL re-encodes them sorted, so an unsorted set fails there).
 *
 * Verification lives in cms-verify.ts (no forge) so the standalone verifier stays small.
 */
import { createHash, createPrivateKey, sign, verify } from 'node:crypto';
import * as A from './asn1-build';
import { OID } from './oids';
import { parseCertificate, pemBlocksToDer, pemToDer, x509 } from './x509';
import type { SigningIdentity } from './identity';

export { verifyDetached, type DetachedVerification, type VerifyDetachedOptions } from './cms-verify';

/** An EC key held elsewhere (a PKCS#11 token): signs SHA-256 of `data`, returns the DER ECDSA-Sig-Value. */
export type ExternalSign = (data: Buffer) => Buffer;

export interface SignOptions {
  /** Defaults to now; recorded as the signingTime signed attribute. */
  signingTime?: Date;
}

/** Signs `content` and returns the DER of a detached CMS SignedData (`manifest.json.p7s`). */
export function signDetached(
  content: Buffer,
  identity: Pick<SigningIdentity, 'certPem' | 'keyPem'> & { chainPem?: string[]; sign?: ExternalSign },
  options: SignOptions = {},
): Buffer {
  const key = identity.sign ? null : createPrivateKey(identity.keyPem);
  const certDer = pemToDer(identity.certPem);
  const cert = parseCertificate(certDer);
  const chain = (identity.chainPem ?? []).flatMap((pem) => pemBlocksToDer(pem));
  const attributes = A.implicitSetOf(0, [
    A.seq(A.oid(OID.contentType), A.setOf(A.oid(OID.data))),
    A.seq(A.oid(OID.signingTime), A.setOf(A.time(options.signingTime ?? new Date()))),
    A.seq(A.oid(OID.messageDigest), A.setOf(A.octets(createHash('sha256').update(content).digest()))),
  ]);
  // The signature covers the attributes encoded as a universal SET (RFC 5652 5.4), not as [0].
  const attributesDer = A.toDer(attributes);
  attributesDer[0] = 0x31;
  let signature: Buffer;
  if (identity.sign) {
    // A key on a token: it signed our digest; a signature the certificate's key does not verify is refused here.
    signature = identity.sign(attributesDer);
    if (!verify('sha256', attributesDer, x509(certDer).publicKey, signature))
      throw new Error('the token key does not belong to the audit signing certificate');
  } else signature = sign('sha256', attributesDer, key!);
  const signatureAlgorithm =
    key?.asymmetricKeyType === 'rsa' ? A.algorithm(OID.rsaEncryption, A.nul()) : A.algorithm(OID.ecdsaWithSHA256, null);
  const signerInfo = A.seq(
    A.uint(1),
    A.seq(A.fromDer(cert.issuerDer), A.rawInteger(cert.serial)),
    A.algorithm(OID.sha256, null),
    attributes,
    signatureAlgorithm,
    A.octets(signature),
  );
  const signedData = A.seq(
    A.uint(1),
    A.setOf(A.algorithm(OID.sha256, null)),
    A.seq(A.oid(OID.data)),
    A.implicitSetOf(
      0,
      [certDer, ...chain].map((der) => A.fromDer(der)),
    ),
    A.setOf(signerInfo),
  );
  return A.toDer(A.seq(A.oid(OID.signedData), A.explicit(0, signedData)));
}
