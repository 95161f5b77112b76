/**
 * What the IdP sign-in window may do (docs/identity.md, "The desktop's IdP window"), as pure
 * functions shared by Electron main (idp-window.ts) and the browser test harness, so both enforce
 * the same rules: requests only to the IdP's origin (scheme, host and port exactly), the one POST
 * to the ACS URL taken (never sent), everything else refused. No electron import: unit-tested.
 */

export interface IdpWindowRules {
  /** The IdP's origin, from the SSO URL the core made (never from the page). */
  idpOrigin: string;
  /** The ACS URL's origin and path: its query is ignored (the core checks the Destination). */
  acsOrigin: string;
  acsPath: string;
}

/** What to do with one request of the IdP window. */
export type IdpRequestDecision =
  | { action: 'allow' }
  /** The IdP's answer: take the form body, cancel the request, close the window. */
  | { action: 'take' }
  /** Refused; `reason` is for the sign-in's error. */
  | { action: 'refuse'; reason: string };

const WEB_SCHEMES = new Set(['http:', 'https:']);

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The rules for one sign-in, from the IdP URL and ACS URL the core gave. Throws on a URL that is
 * not http(s) or carries user info: the core never makes one, so that is a bug worth stopping on.
 */
export function idpWindowRules(idpUrl: string, acsUrl: string): IdpWindowRules {
  const idp = parse(idpUrl);
  const acs = parse(acsUrl);
  for (const [what, u] of [
    ['IdP', idp],
    ['ACS', acs],
  ] as const) {
    if (!u || !WEB_SCHEMES.has(u.protocol) || u.username || u.password) throw new Error(`The ${what} URL is not an http(s) URL.`);
  }
  return { idpOrigin: idp!.origin, acsOrigin: acs!.origin, acsPath: acs!.pathname };
}

/** Whether `url` is the ACS URL (same origin and path; any query). */
export function isAcsUrl(url: string, rules: IdpWindowRules): boolean {
  const u = parse(url);
  return !!u && !u.username && !u.password && u.origin === rules.acsOrigin && u.pathname === rules.acsPath;
}

/** Whether `url` is on the IdP's own origin (same scheme, host and port; no user info). */
export function isIdpUrl(url: string, rules: IdpWindowRules): boolean {
  const u = parse(url);
  return !!u && !u.username && !u.password && WEB_SCHEMES.has(u.protocol) && u.origin === rules.idpOrigin;
}

/**
 * Every request of the window (page, redirect, script, image, form) goes through this. The POST
 * to the ACS is taken; a GET there (another binding) is refused, as is any other origin.
 */
export function decideIdpRequest(url: string, method: string, rules: IdpWindowRules): IdpRequestDecision {
  if (isAcsUrl(url, rules)) {
    return method.toUpperCase() === 'POST'
      ? { action: 'take' }
      : { action: 'refuse', reason: 'the identity provider did not post its answer (only the POST binding is accepted)' };
  }
  if (isIdpUrl(url, rules)) return { action: 'allow' };
  // data: URLs inside the IdP's pages (inline images) stay in the page; nothing leaves for them.
  if (url.startsWith('data:')) return { action: 'allow' };
  const u = parse(url);
  return {
    action: 'refuse',
    reason: `the page tried to reach ${u ? u.origin : 'an address that is not a URL'}, which is not the identity provider`,
  };
}

/** The SAMLResponse of the IdP's form post (application/x-www-form-urlencoded), or null. */
export function samlResponseFromForm(body: string | Uint8Array): string | null {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const value = new URLSearchParams(text).get('SAMLResponse');
  return value && value.length > 0 ? value : null;
}

/** How an IdP window ended. */
export type IdpWindowOutcome =
  { kind: 'answer'; samlResponse: string } | { kind: 'closed' } | { kind: 'timeout' } | { kind: 'refused'; reason: string };

/** Opens the IdP page in its own window under the rules; resolves once it has ended, and the window is gone. */
export type IdpWindowOpener = (url: string, rules: IdpWindowRules, deadlineMs: number) => Promise<IdpWindowOutcome>;

/** The sign-in's error for a window that ended without an answer (plain words: the page shows them). */
export function outcomeMessage(outcome: Exclude<IdpWindowOutcome, { kind: 'answer' }>, idpName: string): string {
  switch (outcome.kind) {
    case 'closed':
      return `The ${idpName} window was closed before the sign-in finished, so nothing was opened. Sign in again when you are ready.`;
    case 'timeout':
      return `The sign-in with ${idpName} took too long and was stopped, so nothing was opened. Sign in again when you are ready.`;
    case 'refused':
      return `The ${idpName} window was closed for safety: ${outcome.reason}. Nothing was opened. Sign in again, or ask an administrator to check the identity provider.`;
  }
}
