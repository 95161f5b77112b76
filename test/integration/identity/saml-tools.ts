/**
 * Helpers of the SAML tests against the real test IdP (SimpleSAMLphp from test/services.sh
 * --identity): registering this test's SP, reading the request id from the IdP URL, signing in at
 * the IdP's form in Debian's Chromium, and forging hostile responses from a real one with
 * xml-crypto (re-signed with the IdP's own key, so only the semantic checks can catch them, or
 * with another key made by openssl).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { chromium, type Browser } from 'playwright-core';

export const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const DS = 'http://www.w3.org/2000/09/xmldsig#';

export function idpEnv() {
  const e = process.env;
  if (
    !e.AIRGAP_TEST_IDP_URL ||
    !e.AIRGAP_TEST_IDP_METADATA ||
    !e.AIRGAP_TEST_IDP_SP_DIR ||
    !e.AIRGAP_TEST_IDP_KEY ||
    !e.AIRGAP_TEST_IDP_CERT
  )
    return null;
  return {
    url: e.AIRGAP_TEST_IDP_URL,
    metadata: readFileSync(e.AIRGAP_TEST_IDP_METADATA, 'utf8'),
    spDir: e.AIRGAP_TEST_IDP_SP_DIR,
    key: readFileSync(e.AIRGAP_TEST_IDP_KEY, 'utf8'),
    cert: readFileSync(e.AIRGAP_TEST_IDP_CERT, 'utf8'),
  };
}

export const SKIP_IDP = 'SKIP: no SAML IdP (AIRGAP_TEST_IDP_*): start test/services.sh --identity (Debian simplesamlphp, php-cli, php-xml)';

/** Debian's Chromium (never a downloaded browser). */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: process.env.AIRGAP_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A port free on 127.0.0.1 right now (the ACS URL registered at the IdP must be fixed). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Registers this SP's metadata at the test IdP; a stale sidecar would change its behaviour, so it is written or removed. */
export function registerSp(spDir: string, name: string, spMetadataXml: string, sidecar?: Record<string, unknown>): () => void {
  writeFileSync(join(spDir, `${name}.xml`), spMetadataXml);
  if (sidecar) writeFileSync(join(spDir, `${name}.json`), JSON.stringify(sidecar));
  else rmSync(join(spDir, `${name}.json`), { force: true });
  return () => {
    rmSync(join(spDir, `${name}.xml`), { force: true });
    rmSync(join(spDir, `${name}.json`), { force: true });
  };
}

/** The AuthnRequest inside an HTTP-Redirect URL (deflated, base64). */
export function authnRequestOf(url: string): string {
  const param = new URL(url).searchParams.get('SAMLRequest');
  if (!param) throw new Error(`no SAMLRequest in ${url}`);
  return inflateRawSync(Buffer.from(param, 'base64')).toString('utf8');
}

export function requestIdOf(url: string): string {
  const m = /\sID="([^"]+)"/.exec(authnRequestOf(url));
  if (!m) throw new Error('no ID in the AuthnRequest');
  return m[1]!;
}

/**
 * Signs in at SimpleSAMLphp's form; the IdP's page then auto-POSTs to the ACS. With `capture`, the
 * POST to that URL is intercepted in the browser (as the desktop's IdP window does) and its
 * SAMLResponse returned instead of reaching the listener. `hosts` are the hosts the browser reached.
 */
export async function idpLogin(
  browser: Browser,
  url: string,
  user: string,
  password: string,
  acs: { acsUrl: string; capture?: boolean },
): Promise<{ hosts: Set<string>; samlResponse: string | null; text: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const hosts = new Set<string>();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  let samlResponse: string | null = null;
  if (acs.capture) {
    await page.route(acs.acsUrl, async (route) => {
      samlResponse = new URLSearchParams(route.request().postData() ?? '').get('SAMLResponse');
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>captured</p>' });
    });
  }
  try {
    await page.goto(url);
    await page.fill('#username', user);
    await page.fill('#password', password);
    await page.click('#submit_button');
    // The auto-POST to the ACS ends on its "Sign-in received" page (or the IdP's error page).
    await page.waitForURL(acs.acsUrl, { timeout: 15_000 });
    await page.waitForLoadState('load');
    const text = await page.innerText('body').catch(() => '');
    return { hosts, samlResponse, text };
  } finally {
    await context.close();
  }
}

/** Posts a SAMLResponse to the ACS as the IdP's browser form would. */
export async function postToAcs(acsUrl: string, samlResponse: string): Promise<number> {
  const res = await fetch(acsUrl, {
    method: 'POST',
    body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: '' }),
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.status;
}

const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const serialize = (doc: Document) => new XMLSerializer().serializeToString(doc);
export const el = (doc: Document | Element, ns: string, name: string) => doc.getElementsByTagNameNS(ns, name)[0] as Element;
export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Another key and self-signed certificate, made by openssl (signing with it must never verify). */
export function otherKeyPair(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agr-evil-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=evil',
        '-days',
        '1',
        '-sha256',
        '-keyout',
        join(dir, 'k'),
        '-out',
        join(dir, 'c'),
      ],
      {
        stdio: 'ignore',
      },
    );
    return { key: readFileSync(join(dir, 'k'), 'utf8'), cert: readFileSync(join(dir, 'c'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sign(xml: string, target: 'Assertion' | 'Response', key: string, cert: string, alg: 'sha256' | 'sha1'): string {
  const sig = new SignedXml({
    privateKey: key,
    publicCert: cert,
    signatureAlgorithm: alg === 'sha1' ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const path = `/*[local-name()='Response']${target === 'Assertion' ? "/*[local-name()='Assertion']" : ''}`;
  sig.addReference({
    xpath: path,
    digestAlgorithm: alg === 'sha1' ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, { location: { reference: `${path}/*[local-name()='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

export interface ForgeOptions {
  key?: string;
  cert?: string;
  alg?: 'sha256' | 'sha1';
  signAssertion?: boolean;
  signResponse?: boolean;
}

/**
 * A response made from a real one of the IdP: signatures removed, answering `requestId`, a fresh
 * assertion id and validity window from now, `edit` applied, then signed as the IdP signs (assertion
 * and response, RSA-SHA256) unless the options say otherwise. Returns base64, as posted.
 */
export function forge(
  originalXml: string,
  requestId: string,
  ids: { key: string; cert: string },
  edit?: (doc: Document) => void,
  options: ForgeOptions = {},
): string {
  const doc = parse(originalXml);
  for (const s of Array.from(doc.getElementsByTagNameNS(DS, 'Signature'))) s.parentNode!.removeChild(s);
  const now = Date.now();
  const response = doc.documentElement;
  response.setAttribute('InResponseTo', requestId);
  response.setAttribute('ID', `_r${randomBytes(12).toString('hex')}`);
  response.setAttribute('IssueInstant', iso(now));
  const assertion = el(doc, ASSERTION, 'Assertion');
  assertion.setAttribute('ID', `_a${randomBytes(12).toString('hex')}`);
  assertion.setAttribute('IssueInstant', iso(now));
  const scd = el(doc, ASSERTION, 'SubjectConfirmationData');
  scd.setAttribute('InResponseTo', requestId);
  scd.setAttribute('NotOnOrAfter', iso(now + 4 * 60_000));
  const conditions = el(doc, ASSERTION, 'Conditions');
  conditions.setAttribute('NotBefore', iso(now - 30_000));
  conditions.setAttribute('NotOnOrAfter', iso(now + 4 * 60_000));
  el(doc, ASSERTION, 'AuthnStatement').setAttribute('AuthnInstant', iso(now));
  edit?.(doc);
  let xml = serialize(doc);
  const key = options.key ?? ids.key;
  const cert = options.cert ?? ids.cert;
  const alg = options.alg ?? 'sha256';
  if (options.signAssertion !== false) xml = sign(xml, 'Assertion', key, cert, alg);
  if (options.signResponse !== false) xml = sign(xml, 'Response', key, cert, alg);
  return Buffer.from(xml).toString('base64');
}

export { parse as parseXml, serialize as serializeXml };
