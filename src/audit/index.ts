/**
 * The audit trail (ARCHITECTURE.md, "Audit trail"): the hash chain in the store (append, query,
 * check), the workstation's signing identity, export bundles carried by hand, and their verifier.
 */
export { AUDIT_OUTCOMES, GENESIS_ACTION, type AuditEvent, type AuditOutcome } from './chain';
export {
  appendEvent,
  appendGenesis,
  chainHead,
  firstEventTime,
  checkStoredChain,
  iterateEvents,
  pagedEvents,
  storedEventPages,
  storedLinePages,
  queryEvents,
  type AuditQuery,
  type NewEvent,
} from './log';
export {
  hasIdentity,
  identityCertificate,
  identityToken,
  loadIdentity,
  saveIdentity,
  saveTokenIdentity,
  ensureIdentity,
  reencryptIdentity,
  type IdentityToken,
} from './identity-store';
export { generateIdentity, importPkcs12, tokenIdentityCertificate, type SigningIdentity } from './identity';
export { identityReplacementDetails } from './rotation';
export { confirmExport, lastExport, listExports, nextRangeStart, pruneThrough, recordExport, type ExportRow } from './exports-store';
export { writeExportBundle, type RedactionHook, type ExportProgress, type ExportResult } from './export-bundle';
export { verifyBundles, type VerifyReport } from './verify';
export { runVerifierCli } from './verifier-cli';
export { AUDIT_SETTINGS } from './settings';
