/**
 * Identity's pure face: the role names, as data. The contract (src/api/contract) imports this, not
 * index.ts, because the renderer and the Electron main process bundle the contract without the
 * core: nothing here may reach Node, the store or any I/O.
 */
export const ROLES = ['admin', 'operator', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The sign-in refusal (UNAUTHENTICATED) that means "the password was right; now the TOTP code":
 * clients compare the message to ask for the code and call auth.signIn again with it.
 */
export const TOTP_CODE_REQUIRED = 'Enter the 6-digit code from your authenticator app (or a recovery code) to finish signing in.';

/** Whether a refused auth.signIn asks for the TOTP code (the password was right). */
export function isTotpChallenge(error: { code: string; message: string }): boolean {
  return error.code === 'UNAUTHENTICATED' && error.message === TOTP_CODE_REQUIRED;
}

/** How users sign in (docs/identity.md): the local password alone, or also the site's IdP or directory. */
export const AUTH_MODES = ['local', 'idp', 'ldap'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
/** Where asserted groups come from, for the group-to-role mappings. */
export const IDENTITY_SOURCES = ['saml', 'ldap'] as const;
export type IdentitySource = (typeof IDENTITY_SOURCES)[number];
/** The REFEDS MFA profile: what a site's IdP asserts when the user passed a second factor. */
export const REFEDS_MFA = 'https://refeds.org/profile/mfa';

/**
 * What kind of refusal an enterprise sign-in step got, read from the core's message (the handler
 * phrases it as "Sign-in with VIA was refused: REASON. …", REASON from saml.ts / ldap.ts), so a
 * client can say it in plain words. `null`: not an enterprise refusal (show the message as it is).
 */
export type SignInRefusal =
  | 'mfa'
  | 'idp-refused'
  | 'no-role'
  | 'roles-pending'
  | 'other-user'
  | 'directory-password'
  | 'directory-unreachable'
  | 'expired'
  | 'not-verified';

const REFUSAL_PATTERNS: ReadonlyArray<readonly [SignInRefusal, RegExp]> = [
  ['mfa', /^Sign-in with .* was refused: the IdP authenticated with .*, not the required .* \(MFA\)/s],
  ['idp-refused', /^Sign-in with .* was refused: the IdP refused the sign-in /s],
  ['no-role', /^Sign-in with .* was refused: none of the groups you are in maps to a role/s],
  ['roles-pending', /^Sign-in with .* was refused: the groups you are in map only to roles an admin has not granted you yet/s],
  ['other-user', /^Sign-in with .* was refused: the IdP signed in /s],
  ['directory-password', /^Sign-in with .* was refused: (the directory refused the password|an empty directory password)/s],
  ['directory-unreachable', /^Sign-in with .* was refused: (the directory could not be reached|StartTLS with the directory failed)/s],
  ['expired', /^This sign-in expired or was already used\./],
  ['not-verified', /^Sign-in with .* was refused: /s],
];

export function signInRefusal(error: { code: string; message: string }): SignInRefusal | null {
  if (error.code !== 'UNAUTHENTICATED') return null;
  return REFUSAL_PATTERNS.find(([, pattern]) => pattern.test(error.message))?.[0] ?? null;
}
