/**
 * Replacing the audit signing identity. The replacement is itself an audit event (action
 * IDENTITY_REPLACED_ACTION) whose details carry the new certificate and an endorsement: a detached
 * CMS signature of the new certificate's DER by the OLD identity. The verifier accepts a signer
 * change between two consecutive bundles only when such an event is in one of them.
 */
import { signDetached } from './cms';
import { IDENTITY_REPLACED_ACTION } from './continuity';
import type { SigningIdentity } from './identity';
import { fingerprintOf, pemToDer } from './x509';

export { IDENTITY_REPLACED_ACTION };

export interface IdentityReplacementDetails {
  /** Fingerprint of the new certificate. */
  fingerprint: string;
  previousFingerprint: string;
  /** The new certificate, PEM. */
  certPem: string;
  /** Base64 DER of a detached CMS signature over the new certificate's DER, by the old identity. */
  endorsement: string;
}

/** The details to record (with action IDENTITY_REPLACED_ACTION) before switching to `newCertPem`. */
export function identityReplacementDetails(
  newCertPem: string,
  oldIdentity: Pick<SigningIdentity, 'certPem' | 'keyPem'>,
): IdentityReplacementDetails {
  const newDer = pemToDer(newCertPem);
  return {
    fingerprint: fingerprintOf(newDer),
    previousFingerprint: fingerprintOf(pemToDer(oldIdentity.certPem)),
    certPem: newCertPem,
    endorsement: signDetached(newDer, oldIdentity).toString('base64'),
  };
}
