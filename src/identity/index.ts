/** Identity: users, roles, sessions, opening the store and signing in, throttling (ARCHITECTURE.md, "Identity"). */
export { IdentityService, type IdentityServiceOptions, type StoreHolder, type ChainStart } from './service';
export { Sessions, DEFAULT_IDLE_MS, type Session } from './sessions';
export { Users, sealUsers, type UserRow } from './users';
export { ROLES, keysForRoles, normaliseRoles, type Role } from './roles';
export { IDENTITY_SETTINGS } from './settings';
export { TotpEnrolments, reencryptTotp, looksLikeTotpCode, RECOVERY_CODE_COUNT, type TotpStatus } from './totp';
export { TotpRequirements, sealTotpRequirements } from './totp-requirements';
export { TOTP_CODE_REQUIRED } from './model';
export {
  IdentityConfig,
  sealIdentityConfig,
  normaliseGroup,
  samlSettingsSchema,
  ldapSettingsSchema,
  DEFAULT_ACS_PORT,
  REFEDS_MFA,
  type SamlSettings,
  type LdapSettings,
  type AuthMode,
  type IdentitySource,
  type GroupMapping,
} from './enterprise-config';
export { parseIdpMetadata, spMetadata, beginSaml, validateSaml, StoreRequestCache, SamlRefusal, type SamlIdentity } from './saml';
export { listenForResponse } from './acs';
export { ldapSignIn, LdapRefusal } from './ldap';
export {
  decideRoles,
  heldRoles,
  recordRoleChanges,
  roleChangesOf,
  settleRoleChanges,
  waitingRoleChanges,
  type RoleDecision,
  type RoleChange,
} from './mapping';
export { SignInAttempts, type SignInAttempt } from './attempts';
