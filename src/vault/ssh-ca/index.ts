/** The site SSH CA and per-run SSH certificates (docs/credentials.md). */
export { SshCas, seedSigner, checkCaName, sealSshCas, type SshCaInfo, type TokenRef } from './cas';
export { listSshGrants, setSshGrant, sealSshGrants, allowedPrincipals, principalsNotAllowed, type SshGrant } from './grants';
export {
  SshRunCredentials,
  checkSshCredentials,
  issuedCertificates,
  exportKrl,
  VALID_AFTER_DEADLINE_S,
  VALID_BEFORE_NOW_S,
  type IssuedCertificate,
  type SshCredentialDecl,
  type TokenSignerOpener,
} from './issue';
export { fingerprint, parseCertificate, parsePublicKeyLine, publicKeyLine, type SshSigner } from './format';
