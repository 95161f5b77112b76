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
