/**
 * The SAML 2.0 service provider (docs/identity.md), on @node-saml/node-saml: the IdP's metadata is
 * imported from a file (never fetched) and its signing certificates are the only keys that verify.
 * node-saml checks the signatures (pinned certs, only the signed bytes, wrapping refused), the
 * audience, the validity window and that InResponseTo names a pending request. What it leaves to
 * us is checked here, on the verified assertion only: RSA-SHA256/512 and SHA-256/512 alone,
 * Destination and Recipient equal to our ACS URL, both issuers equal to the pinned entity id, the
 * required AuthnContextClassRef, InResponseTo equal to THIS sign-in's request, and each assertion
 * used once (saml_replay). Every refusal is a SamlRefusal whose reason the audit event carries.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { DOMParser } from '@xmldom/xmldom';
import {
  SAML,
  SamlStatusError,
  ValidateInResponseTo,
  generateServiceProviderMetadata,
  type CacheItem,
  type CacheProvider,
  type Profile,
} from '@node-saml/node-saml';
import { ApiError } from '../kernel';
import type { SamlSettings } from './enterprise-config';

type XmlElement = Element;

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const STRONG_SIGNATURES = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const STRONG_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
/** An AuthnRequest is answerable this long; a response to an older one is refused. */
export const REQUEST_LIFETIME_MS = 10 * 60_000;
const MAX_METADATA_BYTES = 512 * 1024;

/** A sign-in the SP refused: `reason` goes to the caller and the audit event; `claimed` are unverified details. */
export class SamlRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly claimed: { issuer?: string; assertionId?: string; status?: string } = {},
  ) {
    super(reason);
  }
}

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certs: string[];
  metadataSha256: string;
}

function parseXml(xml: string, what: string) {
  // A DOCTYPE has no business in SAML: refusing it closes entity expansion tricks outright.
  if (/<!DOCTYPE/i.test(xml)) throw new ApiError('INVALID_INPUT', `The ${what} has a DOCTYPE, which SAML never needs; it was refused.`);
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: {
      warning: () => undefined,
      error: (message: string) => errors.push(message),
      fatalError: (message: string) => errors.push(message),
    },
  }).parseFromString(xml, 'text/xml');
  if (errors.length > 0 || !doc.documentElement) {
    throw new ApiError('INVALID_INPUT', `The ${what} is not well-formed XML (${errors[0] ?? 'empty'}).`);
  }
  return doc;
}

const children = (e: XmlElement, ns: string, name: string): XmlElement[] =>
  Array.from(e.childNodes as unknown as ArrayLike<XmlElement>).filter((n) => n.namespaceURI === ns && n.localName === name);

/**
 * Reads an IdP metadata file an admin gave (never fetched): the entity id, the HTTP-Redirect SSO
 * endpoint and the signing certificates, each an RSA key of at least 2048 bits.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  if (Buffer.byteLength(xml) > MAX_METADATA_BYTES)
    throw new ApiError('INVALID_INPUT', 'The metadata file is larger than 512 KiB; export the IdP entity alone.');
  const doc = parseXml(xml, 'metadata file');
  const ed = doc.documentElement as unknown as XmlElement;
  if (ed.namespaceURI !== MD || ed.localName !== 'EntityDescriptor') {
    throw new ApiError(
      'INVALID_INPUT',
      "The metadata file is not one SAML 2.0 EntityDescriptor. Export the IdP's own metadata (not a federation aggregate).",
    );
  }
  const entityId = ed.getAttribute('entityID') ?? '';
  const idp = children(ed, MD, 'IDPSSODescriptor')[0];
  if (!entityId || !idp)
    throw new ApiError('INVALID_INPUT', 'The metadata names no IdP (an entityID with an IDPSSODescriptor). Is this the SP side?');
  const sso = children(idp, MD, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === REDIRECT);
  const ssoUrl = sso?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl))
    throw new ApiError('INVALID_INPUT', 'The metadata has no HTTP-Redirect SingleSignOnService; enable that binding at the IdP.');
  const certs = [
    ...new Set(
      children(idp, MD, 'KeyDescriptor')
        .filter((k) => !k.getAttribute('use') || k.getAttribute('use') === 'signing')
        .flatMap((k) => Array.from(k.getElementsByTagNameNS(DS, 'X509Certificate') as unknown as ArrayLike<XmlElement>))
        .map((c) => (c.textContent ?? '').replace(/\s+/g, '')),
    ),
  ];
  if (certs.length === 0) throw new ApiError('INVALID_INPUT', 'The metadata has no signing certificate, so no response could be verified.');
  for (const b64 of certs) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(b64, 'base64'));
    } catch {
      throw new ApiError('INVALID_INPUT', 'A signing certificate in the metadata is not a valid X.509 certificate.');
    }
    const key = cert.publicKey;
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== 'rsa' || bits < 2048) {
      throw new ApiError(
        'INVALID_INPUT',
        `The IdP's signing key is ${key.asymmetricKeyType ?? 'unknown'} ${bits} bits; an RSA key of 2048 bits or more is required.`,
      );
    }
  }
  return { entityId, ssoUrl, certs, metadataSha256: createHash('sha256').update(xml).digest('hex') };
}

/** node-saml's request-id cache, in the store: a response must answer a request this workstation sent. */
export class StoreRequestCache implements CacheProvider {
  constructor(
    private readonly db: Database,
    private readonly nowMs: () => number,
  ) {}

  saveAsync(key: string, _value: string): Promise<CacheItem | null> {
    const now = this.nowMs();
    this.db.prepare('DELETE FROM saml_requests WHERE created_at_ms < ?').run(now - REQUEST_LIFETIME_MS);
    const r = this.db.prepare('INSERT OR IGNORE INTO saml_requests(request_id, created_at_ms) VALUES (?, ?)').run(key, now);
    return Promise.resolve(r.changes === 1 ? { value: new Date(now).toISOString(), createdAt: now } : null);
  }

  getAsync(key: string): Promise<string | null> {
    const row = this.db.prepare('SELECT created_at_ms FROM saml_requests WHERE request_id = ?').get(key) as
      { created_at_ms: number } | undefined;
    return Promise.resolve(
      row && row.created_at_ms >= this.nowMs() - REQUEST_LIFETIME_MS ? new Date(row.created_at_ms).toISOString() : null,
    );
  }

  removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return Promise.resolve(null);
    const r = this.db.prepare('DELETE FROM saml_requests WHERE request_id = ?').run(key);
    return Promise.resolve(r.changes === 1 ? key : null);
  }
}

function samlFor(settings: SamlSettings, cache: CacheProvider, requestId?: string): SAML {
  return new SAML({
    entryPoint: settings.ssoUrl,
    issuer: settings.spEntityId,
    audience: settings.spEntityId,
    callbackUrl: settings.acsUrl,
    idpCert: settings.certs,
    idpIssuer: settings.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: settings.wantResponseSigned,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    identifierFormat: PERSISTENT,
    ...(settings.requiredAuthnContext
      ? { authnContext: [settings.requiredAuthnContext], racComparison: 'exact' as const }
      : { disableRequestedAuthnContext: true }),
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: REQUEST_LIFETIME_MS,
    cacheProvider: cache,
    acceptedClockSkewMs: settings.clockSkewSeconds * 1000,
    maxAssertionAgeMs: REQUEST_LIFETIME_MS,
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  });
}

/** The SP's metadata, for the admin to register at the IdP (the ACS URL must match exactly). */
export function spMetadata(settings: Pick<SamlSettings, 'spEntityId' | 'acsUrl'>): string {
  return generateServiceProviderMetadata({
    issuer: settings.spEntityId,
    callbackUrl: settings.acsUrl,
    identifierFormat: PERSISTENT,
    wantAssertionsSigned: true,
  });
}

/** Starts an SP-initiated sign-in: a fresh request id saved in the store, and the IdP URL to open. */
export async function beginSaml(settings: SamlSettings, cache: CacheProvider): Promise<{ url: string; requestId: string }> {
  const requestId = `_${randomBytes(20).toString('hex')}`;
  const url = await samlFor(settings, cache, requestId).getAuthorizeUrlAsync('', undefined, {});
  return { url, requestId };
}

export interface SamlIdentity {
  issuer: string;
  nameId: string;
  nameIdSha256: string;
  authnContext: string | null;
  assertionId: string;
  user: string | null;
  groups: string[];
  notOnOrAfterMs: number;
}

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** The unverified claims of a response, for the audit event of a refusal (marked as claimed). */
function claimsOf(xml: string): { issuer?: string; assertionId?: string } {
  try {
    const doc = parseXml(xml, 'response');
    const issuer = doc.getElementsByTagNameNS(ASSERTION, 'Issuer')[0]?.textContent ?? undefined;
    const assertionId = doc.getElementsByTagNameNS(ASSERTION, 'Assertion')[0]?.getAttribute('ID') ?? undefined;
    return { ...(issuer ? { issuer: issuer.slice(0, 300) } : {}), ...(assertionId ? { assertionId: assertionId.slice(0, 100) } : {}) };
  } catch {
    return {};
  }
}

/**
 * Validates a posted SAMLResponse for the sign-in that sent `requestId`, consuming the request and
 * recording the assertion id as used. Throws SamlRefusal with the reason otherwise.
 */
export async function validateSaml(
  settings: SamlSettings,
  db: Database,
  nowMs: () => number,
  samlResponseB64: string,
  requestId: string,
): Promise<SamlIdentity> {
  const xml = Buffer.from(samlResponseB64, 'base64').toString('utf8');
  const claimed = claimsOf(xml);
  const refuse = (reason: string, extra: { status?: string } = {}): never => {
    throw new SamlRefusal(reason, { ...claimed, ...extra });
  };
  if (!xml.trimStart().startsWith('<')) refuse('the SAMLResponse is not base64 XML');
  let doc;
  try {
    doc = parseXml(xml, 'response');
  } catch (e) {
    return refuse(e instanceof Error ? e.message : String(e));
  }
  // Weak algorithms are refused before anything is verified: xml-crypto still accepts SHA-1.
  for (const m of Array.from(doc.getElementsByTagNameNS(DS, 'SignatureMethod') as unknown as ArrayLike<XmlElement>)) {
    const alg = m.getAttribute('Algorithm') ?? '';
    if (!STRONG_SIGNATURES.has(alg)) refuse(`weak signature algorithm ${alg}: only RSA-SHA256 or RSA-SHA512 are accepted`);
  }
  for (const m of Array.from(doc.getElementsByTagNameNS(DS, 'DigestMethod') as unknown as ArrayLike<XmlElement>)) {
    const alg = m.getAttribute('Algorithm') ?? '';
    if (!STRONG_DIGESTS.has(alg)) refuse(`weak digest algorithm ${alg}: only SHA-256 or SHA-512 are accepted`);
  }
  let profile: Profile | null;
  try {
    ({ profile } = await samlFor(settings, new StoreRequestCache(db, nowMs)).validatePostResponseAsync({ SAMLResponse: samlResponseB64 }));
  } catch (e) {
    if (e instanceof SamlStatusError) {
      // node-saml raises a status error even when the response is unsigned: a refusal either way, never trusted.
      return refuse(`the IdP refused the sign-in (${e.message.replace(/^SAML provider returned /, '')})`, { status: 'unverified' });
    }
    return refuse(`the response did not verify: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!profile) return refuse('the response carries no assertion');
  if (profile.inResponseTo !== requestId) refuse(`InResponseTo ${String(profile.inResponseTo)} is not this sign-in's request`);

  const response = doc.documentElement as unknown as XmlElement;
  if (response.namespaceURI !== SAMLP || response.localName !== 'Response') refuse('not a samlp:Response');
  const responseIssuer = children(response, ASSERTION, 'Issuer')[0]?.textContent ?? null;
  if (responseIssuer !== null && responseIssuer !== settings.entityId)
    refuse(`the response's issuer ${responseIssuer} is not the IdP ${settings.entityId}`);
  const destination = response.getAttribute('Destination');
  if (destination !== settings.acsUrl)
    refuse(`the response's Destination ${destination ?? '(none)'} is not this workstation's ACS ${settings.acsUrl}`);

  // From here on, only the assertion node-saml verified.
  const verified = profile.getAssertionXml?.();
  if (!verified) return refuse('no verified assertion');
  const a = parseXml(verified, 'assertion').documentElement as unknown as XmlElement;
  const one = (name: string) => (a.getElementsByTagNameNS(ASSERTION, name) as unknown as ArrayLike<XmlElement>)[0];
  const issuer = children(a, ASSERTION, 'Issuer')[0]?.textContent ?? '';
  if (issuer !== settings.entityId) refuse(`the assertion's issuer ${issuer} is not the IdP ${settings.entityId}`);
  const confirmation = one('SubjectConfirmation');
  if (confirmation?.getAttribute('Method') !== BEARER) refuse('the subject confirmation is not a bearer confirmation');
  const recipient = one('SubjectConfirmationData')?.getAttribute('Recipient');
  if (recipient !== settings.acsUrl) refuse(`the Recipient ${recipient ?? '(none)'} is not this workstation's ACS ${settings.acsUrl}`);
  const authnContext = one('AuthnContextClassRef')?.textContent?.trim() ?? null;
  if (settings.requiredAuthnContext && authnContext !== settings.requiredAuthnContext) {
    refuse(`the IdP authenticated with ${authnContext ?? 'no context'}, not the required ${settings.requiredAuthnContext} (MFA)`);
  }
  const assertionId = a.getAttribute('ID') ?? '';
  if (!assertionId) refuse('the assertion has no ID');
  const skew = settings.clockSkewSeconds * 1000;
  const notOnOrAfter = Date.parse(one('Conditions')?.getAttribute('NotOnOrAfter') ?? '') || nowMs() + REQUEST_LIFETIME_MS;
  // Each assertion once: kept until it could no longer be valid anyway.
  db.prepare('DELETE FROM saml_replay WHERE expires_at_ms < ?').run(nowMs() - skew);
  const inserted = db
    .prepare('INSERT OR IGNORE INTO saml_replay(assertion_id, issuer, expires_at_ms) VALUES (?, ?, ?)')
    .run(assertionId, issuer, notOnOrAfter + skew);
  if (inserted.changes !== 1) refuse(`the assertion ${assertionId} was already used (replayed)`);

  const attributes = (profile as { attributes?: Record<string, unknown> }).attributes ?? profile;
  const nameId = profile.nameID;
  const user = settings.userAttribute === 'nameid' ? nameId : (strings(attributes[settings.userAttribute])[0] ?? null);
  return {
    issuer,
    nameId,
    nameIdSha256: createHash('sha256').update(`${issuer}\n${nameId}`).digest('hex'),
    authnContext,
    assertionId,
    user,
    groups: strings(attributes[settings.groupAttribute]),
    notOnOrAfterMs: notOnOrAfter,
  };
}
