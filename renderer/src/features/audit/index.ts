/** The audit chain: the trail, exports, verifying bundles, and the identity that signs them. */
export { AuditScreen } from './Audit';
export { AuditExportScreen } from './AuditExport';
export { VerifyScreen } from './Verify';
export { SigningIdentityScreen } from './SigningIdentity';
