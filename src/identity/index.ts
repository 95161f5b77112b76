/** Identity: users, roles, sessions, opening the store and signing in, throttling (ARCHITECTURE.md, "Identity"). */
export { IdentityService, type IdentityServiceOptions, type StoreHolder, type ChainStart } from './service';
export { Sessions, DEFAULT_IDLE_MS, type Session } from './sessions';
export { Users, sealUsers, type UserRow } from './users';
export { ROLES, keysForRoles, normaliseRoles, type Role } from './roles';
export { IDENTITY_SETTINGS } from './settings';
export { TotpEnrolments, reencryptTotp, looksLikeTotpCode, RECOVERY_CODE_COUNT, type TotpStatus } from './totp';
export { TotpRequirements, sealTotpRequirements } from './totp-requirements';
export { TOTP_CODE_REQUIRED } from './model';
