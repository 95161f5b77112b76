/** Words for the enterprise sign-in settings (docs/identity.md), shared by its screen and Users. */
import type { OpOutput } from '../../api/contract';

export type IdentityView = OpOutput<'identity.show'>;
export type SignInMode = IdentityView['mode'];
export type Source = IdentityView['mappings'][number]['source'];

/** The REFEDS MFA profile: the authentication context a site's IdP asserts for multi-factor sign-in. */
export const REFEDS_MFA = 'https://refeds.org/profile/mfa';

export const SOURCE_LABELS: Readonly<Record<Source, string>> = {
  saml: 'Identity provider',
  ldap: 'Directory',
};

/** Where a recorded role change came from (the core records the source's short name). */
export function sourceLabel(source: string): string {
  return source === 'saml' || source === 'ldap' ? SOURCE_LABELS[source] : source;
}

export const MODE_LABELS: Readonly<Record<SignInMode, string>> = {
  local: 'Local passwords only',
  idp: 'Password, then the identity provider',
  ldap: 'Password, then the directory',
};

/** A SHA-256 fingerprint as people compare it: upper-case pairs separated by colons. */
export function fingerprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/** Who did it, as people read it: "sara" rather than "user:sara". */
export const who = (actor: string) => actor.replace(/^user:/, '');
