/**
 * Issue 14's desktop sign-in through the site's identity provider, end to end in Debian's Chromium
 * against the real SimpleSAMLphp (test/services.sh --identity) and slapd: the password, then
 * "Continue with Test IdP", the IdP's own page in its sign-in window (opened by the harness the way
 * Electron main opens it: main/idp-window-rules.ts decides every request, the POST to the ACS URL
 * is taken and never sent), and back in the app signed in with the roles the IdP's groups map to.
 * MFA is asked for and checked (bob has no second factor), refused users (dave disabled at the IdP,
 * carol in no mapped group) get plain messages, closing the window cancels, a page that leaves the
 * IdP's origin is closed; then the directory step (mode ldap). Throughout, the connection-level
 * air-gap check: the sockets of this process and of its Chromium reach only the IdP, the directory
 * and the harness's own loopback server (the stand-in for IPC), and nothing listens on the ACS port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import { dispatch } from '../../src/api/dispatcher';
import { addUser } from '../helpers/core';
import {
  NodeConnections,
  chromiumUnderStrace,
  hasStrace,
  ourListeners,
  removeDir,
  straceConnects,
  violations,
  type Connection,
} from '../helpers/connections';
import { authnRequestOf, freePort, idpEnv, registerSp, SKIP_IDP } from '../integration/identity/saml-tools';
import { startHarness, type Harness } from './harness';
import { CHROMIUM, launchBrowser, shootSizes, SIZES } from './browser';
import { idpPages } from './idp-window';
import { DashboardPage, EnterpriseSignInPage, IdpLoginPage, LockPage, ShellPage, SignInPage } from './pages';
import { shown, Windows } from './windows';

const idp = idpEnv();
const e = process.env;
const ldapReady = Boolean(e.AIRGAP_TEST_LDAP_URL && e.AIRGAP_TEST_LDAP_CA && e.AIRGAP_TEST_LDAP_USERS_DN);
const IDP_NAME = 'Test IdP';
const CHROME_SERVICES_OFFLINE =
  '--host-resolver-rules=MAP google.com ~NOTFOUND , MAP *.google.com ~NOTFOUND , MAP *.googleapis.com ~NOTFOUND , MAP *.gstatic.com ~NOTFOUND';
const ADMIN = { name: 'ines', password: 'ines signs for the site' };
const LOCAL = (name: string) => `${name}-local-pass-1`;
/** The test users' passwords at the IdP and directory (AIRGAP_TEST_IDENTITY_USERS). */
const REMOTE = (name: string) => `${name}-pass-1`;

async function focused(page: Page, target: Locator): Promise<boolean> {
  const handle = await target.elementHandle();
  return await page.evaluate((el) => document.activeElement === el, handle);
}

const skip = !idp
  ? SKIP_IDP
  : !hasStrace()
    ? 'strace is not installed (apt-get install strace; scripts/setup-debian.sh installs it)'
    : false;

describe('sign-in through the site IdP and directory in Chromium', { timeout: 420_000, skip }, () => {
  let harness: Harness;
  let browser: Browser;
  const windows = new Windows(() => ({ browser, harness }));
  let admin = '';
  let acsUrl = '';
  let unregister = () => {};
  // Recording starts before the harness and the browser: every connection they make is seen.
  const nodeConnections = new NodeConnections().start();
  const traced = chromiumUnderStrace(CHROMIUM);
  let allowed: string[] = [];
  const acsListening: string[] = [];
  /** What the deliberately hostile IdP page (and only it) reached: left out of the sign-in flows' check. */
  const hostile: Connection[] = [];

  before(async () => {
    harness = await startHarness();
    // The test browser is Chrome, with Chrome's own services (autofill, account sign-in) that Electron
    // does not have; they look Google's names up even with background networking off. Those names
    // resolve to nothing here, so what the check sees is what the pages and the app do.
    browser = await launchBrowser({ executablePath: traced.executable, args: [CHROME_SERVICES_OFFLINE] });
    await dispatch(harness.core, null, 'system.init', { adminName: ADMIN.name, password: ADMIN.password });
    admin = (await dispatch(harness.core, null, 'auth.signIn', ADMIN)).sessionId;
    for (const [name, roles] of [
      ['alice', ['admin', 'operator']],
      ['bob', ['operator']],
      ['carol', ['viewer']],
      ['dave', ['operator']],
    ] as const) {
      await addUser(harness.core, admin, name, [...roles], LOCAL(name));
    }
    // The sessions addUser opened end: each user's sessions below are the ones the UI opens.
    for (const s of harness.core.sessions.all()) if (s.id !== admin) harness.core.sessions.end(s.id);
    const port = await freePort();
    const spEntityId = `urn:airgap-runner:e2e-sp:${randomBytes(6).toString('hex')}`;
    const view = await dispatch(harness.core, admin, 'identity.saml.set', {
      metadataXml: idp!.metadata,
      displayName: IDP_NAME,
      acsPort: port,
      spEntityId,
    });
    acsUrl = view.acsUrl;
    unregister = registerSp(idp!.spDir, spEntityId.replace(/[^a-z0-9]/gi, '-'), view.spMetadata);
    await dispatch(harness.core, admin, 'identity.mapping.add', { source: 'saml', group: 'airgap-admins', role: 'admin' });
    await dispatch(harness.core, admin, 'identity.mapping.add', { source: 'saml', group: 'airgap-operators', role: 'operator' });
    await dispatch(harness.core, admin, 'identity.setMode', { mode: 'idp' });
    allowed = [new URL(idp!.url).host, new URL(harness.url).host, ...(ldapReady ? [new URL(e.AIRGAP_TEST_LDAP_URL!).host] : [])];
  });

  after(async () => {
    nodeConnections.stop();
    unregister();
    await windows.closeAll();
    await browser?.close();
    await harness?.close();
    removeDir(traced.dir);
  });

  /** A new window on the sign-in screen; name, Tab, password, Enter, as a keyboard user does. */
  async function passwordStep(name: string, page?: Page): Promise<{ page: Page; step: EnterpriseSignInPage }> {
    const p = page ?? (await windows.open());
    if (!page) await p.setViewportSize(SIZES[0]);
    const signIn = new SignInPage(p);
    await shown(signIn.heading);
    await signIn.name.fill('');
    await signIn.name.focus();
    await p.keyboard.type(name);
    await p.keyboard.press('Tab');
    await p.keyboard.type(LOCAL(name));
    await p.keyboard.press('Enter');
    const step = new EnterpriseSignInPage(p);
    await shown(step.continueWith(IDP_NAME));
    return { page: p, step };
  }

  /** Enter on "Continue with Test IdP" (it has the focus); resolves with the IdP's window. */
  async function openIdpWindow(page: Page, step: EnterpriseSignInPage): Promise<Page> {
    assert.ok(await focused(page, step.continueWith(IDP_NAME)), '"Continue with Test IdP" has the focus');
    const opened = page.context().waitForEvent('page');
    await page.keyboard.press('Enter');
    const idpPage = await opened;
    // The window opens on about:blank and then goes to the IdP: wait for the IdP itself (a test that
    // acts on about:blank would race the window's own rules being set up).
    const idpOrigin = new URL(e.AIRGAP_TEST_IDP_URL!).origin;
    await idpPage.waitForURL((u) => u.origin === idpOrigin, { waitUntil: 'domcontentloaded' });
    return idpPage;
  }

  function sessionOf(name: string) {
    return harness.core.sessions.all().find((s) => s.name === name);
  }

  it('alice: password, then the IdP in its own window (MFA asked), back in the app as admin and operator', async () => {
    const { page, step } = await passwordStep('alice');
    await shown(step.accepted);
    await shown(step.confirmWith(IDP_NAME));
    // The page says what happens, in words: no URL, entity id or jargon.
    const text = await page.getByRole('main').innerText();
    assert.match(text, /A separate window opens/);
    assert.doesNotMatch(text, /https?:|urn:|SAML|assertion|ACS/i);
    await shootSizes(page, 'idp-signin-continue');

    const requested: string[] = [];
    page.context().on('request', (r) => requested.push(r.url()));
    const idpPage = await openIdpWindow(page, step);
    await shown(step.waitingFor(IDP_NAME));
    // While the IdP window waits for its answer, nothing of ours listens (the ACS POST is taken in the window).
    acsListening.push(...ourListeners().filter((l) => l === new URL(acsUrl).host));
    await shootSizes(page, 'idp-signin-waiting');
    // The window shows the IdP's own page; the app's bridge is not in it.
    assert.equal(new URL(idpPage.url()).origin, new URL(idp!.url).origin);
    assert.equal(await idpPage.evaluate(() => 'api' in window), false, 'the IdP page has no window.api');
    // The request asks for MFA (REFEDS, exact).
    const sso = requested.find((u) => u.includes('SAMLRequest='));
    assert.ok(sso, 'the window asked the IdP with an AuthnRequest');
    assert.match(authnRequestOf(sso), /RequestedAuthnContext[^>]*Comparison="exact"[\s\S]*https:\/\/refeds\.org\/profile\/mfa/);

    await new IdpLoginPage(idpPage).signIn('alice', REMOTE('alice'));
    await shown(new DashboardPage(page).heading);
    assert.ok(idpPage.isClosed(), 'the IdP window closed itself');
    assert.deepEqual(sessionOf('alice')?.roles, ['admin', 'operator']);
    // The ACS POST was taken in the window: nothing listened on its port, and nothing reached it.
    const [event] = (await dispatch(harness.core, admin, 'audit.list', { action: 'auth.signIn', limit: 20 })).events.filter(
      (ev) => ev.target === 'user:alice' && ev.outcome === 'success',
    );
    assert.equal((event!.details as { source: string }).source, 'saml');
    assert.equal((event!.details as { authnContext: string }).authnContext, 'https://refeds.org/profile/mfa');
  });

  async function refused(name: string, shot?: string): Promise<string> {
    const { page, step } = await passwordStep(name);
    const idpPage = await openIdpWindow(page, step);
    await new IdpLoginPage(idpPage).signIn(name, REMOTE(name));
    const signIn = new SignInPage(page);
    await shown(signIn.error);
    const message = await signIn.error.innerText();
    assert.ok(idpPage.isClosed(), 'the IdP window closed itself');
    assert.equal(sessionOf(name), undefined, `${name} has no session`);
    // Back at the password: the user can start over without restarting the app.
    await shown(signIn.name);
    assert.equal(await signIn.password.inputValue(), '');
    assert.doesNotMatch(message, /https?:|urn:|SAML|AuthnContext/i);
    if (shot) await shootSizes(page, shot);
    return message;
  }

  it('bob has no second factor at the IdP: refused in plain words, and he can start over', async () => {
    assert.match(await refused('bob', 'idp-signin-refused-mfa'), /confirmed your password but not a second factor/);
  });

  it('dave is disabled at the IdP, carol is in no mapped group: each refused with what to do', async () => {
    assert.match(await refused('dave'), /Test IdP refused to sign you in: your account there may be disabled/);
    assert.match(await refused('carol'), /not in any group that gives a role on this workstation/);
  });

  it('closing the IdP window cancels the sign-in; starting over then signs in', async () => {
    const { page, step } = await passwordStep('alice');
    const idpPage = await openIdpWindow(page, step);
    await idpPage.close();
    const signIn = new SignInPage(page);
    await shown(signIn.error);
    assert.match(await signIn.error.innerText(), /The Test IdP window was closed before the sign-in finished/);
    await shootSizes(page, 'idp-signin-cancelled');
    // Start over in the same window, without restarting anything.
    const again = await passwordStep('alice', page);
    const second = await openIdpWindow(page, again.step);
    await new IdpLoginPage(second).signIn('alice', REMOTE('alice'));
    await shown(new DashboardPage(page).heading);
  });

  it('the lock screen asks for the IdP again: a locked session comes back only through it', async () => {
    const { page, step } = await passwordStep('alice');
    await new IdpLoginPage(await openIdpWindow(page, step)).signIn('alice', REMOTE('alice'));
    await shown(new DashboardPage(page).heading);
    await new ShellPage(page).lockButton.click();
    const lock = new LockPage(page);
    await shown(lock.heading);
    await lock.unlockWith(LOCAL('alice'));
    await shown(step.continueWith(IDP_NAME));
    await shootSizes(page, 'idp-lock-continue');
    const idpPage = await openIdpWindow(page, step);
    await new IdpLoginPage(idpPage).signIn('alice', REMOTE('alice'));
    await shown(new DashboardPage(page).heading);
    assert.ok(idpPage.isClosed());
  });

  it('"Start over" before opening the window goes back to the password and ends the attempt', async () => {
    const { page, step } = await passwordStep('bob');
    await step.startOver.click();
    await shown(new SignInPage(page).heading);
    assert.equal(await new SignInPage(page).password.inputValue(), '');
  });

  it('an IdP page that tries to leave the IdP origin is closed, and the sign-in refused', async () => {
    const { page, step } = await passwordStep('alice');
    const idpPage = await openIdpWindow(page, step);
    const closed = idpPage.waitForEvent('close');
    const from = { node: nodeConnections.seen.length, browser: straceConnects(traced.log).length };
    // As a compromised or misconfigured IdP page would: navigate to another origin (127.0.0.2).
    await idpPage.evaluate(() => (location.href = 'http://127.0.0.2:8099/elsewhere')).catch(() => undefined);
    await closed;
    const signIn = new SignInPage(page);
    await shown(signIn.error);
    assert.match(await signIn.error.innerText(), /closed for safety: the page tried to reach http:\/\/127\.0\.0\.2:8099/);
    assert.ok(idpPages.length > 0);
    // The request was refused, but Chrome opens a connection to a navigation's target before the
    // harness's interception sees it (a preconnect): the check records it. Nothing else left.
    const during = [...nodeConnections.seen.slice(from.node), ...straceConnects(traced.log).slice(from.browser)];
    assert.deepEqual(
      violations(during, allowed).filter((line) => !line.endsWith('-> 127.0.0.2:8099')),
      [],
      'nothing but the refused page reached outside the IdP',
    );
    hostile.push(...during.filter((c) => c.to === '127.0.0.2:8099'));
  });

  it(
    'mode ldap: the directory password step, a wrong one refused, the right one signs in',
    { skip: ldapReady ? false : 'no slapd' },
    async () => {
      await dispatch(harness.core, admin, 'identity.ldap.set', {
        url: e.AIRGAP_TEST_LDAP_URL,
        startTls: false,
        caPem: readFileSync(e.AIRGAP_TEST_LDAP_CA!, 'utf8'),
        serverName: null,
        userDnTemplate: `uid={user},${e.AIRGAP_TEST_LDAP_USERS_DN}`,
        groupMode: 'member',
        groupBase: e.AIRGAP_TEST_LDAP_GROUPS_DN,
        timeoutMs: 5000,
      });
      await dispatch(harness.core, admin, 'identity.mapping.add', { source: 'ldap', group: 'airgap-admins', role: 'admin' });
      await dispatch(harness.core, admin, 'identity.mapping.add', { source: 'ldap', group: 'airgap-operators', role: 'operator' });
      await dispatch(harness.core, admin, 'identity.setMode', { mode: 'ldap' });

      const page = await windows.open();
      await page.setViewportSize(SIZES[0]);
      const signIn = new SignInPage(page);
      await signIn.signIn('alice', LOCAL('alice'));
      const step = new EnterpriseSignInPage(page);
      await shown(step.directoryPassword);
      assert.ok(await focused(page, step.directoryPassword), 'the directory password field has the focus');
      await shootSizes(page, 'ldap-signin-step');
      await page.keyboard.type('not her directory password');
      await page.keyboard.press('Enter');
      await shown(signIn.error);
      assert.match(await signIn.error.innerText(), /The directory did not accept that password/);
      await shootSizes(page, 'ldap-signin-refused');
      await signIn.signIn('alice', LOCAL('alice'));
      await shown(step.directoryPassword);
      await page.keyboard.type(REMOTE('alice'));
      await page.keyboard.press('Enter');
      await shown(new DashboardPage(page).heading);
      assert.deepEqual(sessionOf('alice')?.roles, ['admin', 'operator']);
    },
  );

  it('air gap: every connection went to the IdP, the directory or the harness on loopback; nothing listened on the ACS port', () => {
    const made: Connection[] = [...nodeConnections.seen, ...straceConnects(traced.log)].filter(
      (c) => !hostile.some((h) => h.by === c.by && h.to === c.to),
    );
    const acsHost = new URL(acsUrl).host;
    const idpHost = new URL(idp!.url).host;
    assert.ok(
      made.some((c) => c.to === idpHost),
      'the record holds the connections to the IdP (so it sees what it should)',
    );
    if (ldapReady)
      assert.ok(
        made.some((c) => c.by === 'node' && c.to === new URL(e.AIRGAP_TEST_LDAP_URL!).host),
        "and the core's to the directory",
      );
    // Chrome also opens a TCP connection to the target of the IdP's form post (the ACS URL) before the
    // post is intercepted: nothing listens there (asserted below), so it is refused and carries nothing.
    const acsPreconnects = made.filter((c) => c.to === acsHost);
    assert.ok(
      acsPreconnects.every((c) => /^chromium\[\d+\]$/.test(c.by)),
      `only the browser's TCP preconnects reached the ACS address (${JSON.stringify(acsPreconnects)})`,
    );
    assert.deepEqual(
      violations(made, [...allowed, acsHost]),
      [],
      `no connection to anything else (allowed: ${allowed.join(', ')}; the ACS URL is ${acsUrl})`,
    );
    assert.deepEqual(acsListening, [], 'nothing listened on the ACS address while the IdP window was open');
  });

  it('the air-gap check fails when the flow reaches another address (from the core or from the browser)', async () => {
    const accepted = new Set<import('node:net').Socket>();
    const server: Server = createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => undefined);
      // An answer, so the browser's page load ends at once.
      socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const elsewhere = `127.0.0.2:${(server.address() as { port: number }).port}`;
    const before = { node: nodeConnections.seen.length, browser: straceConnects(traced.log).length };
    // From this process, as a core that reached out would.
    const socket = connect({ host: '127.0.0.2', port: Number(elsewhere.split(':')[1]) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.destroy();
    // From the browser, as a page that fetched from elsewhere would (a page of its own, not the IdP window).
    const page = await windows.open();
    await page.goto(`http://${elsewhere}/`, { timeout: 5000 }).catch(() => undefined);
    for (const a of accepted) a.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const found = violations([...nodeConnections.seen.slice(before.node), ...straceConnects(traced.log).slice(before.browser)], allowed);
    assert.ok(found.includes(`node -> ${elsewhere}`), `the core's connection is reported (got ${found.join('; ')})`);
    assert.ok(
      found.some((line) => line.startsWith('chromium[') && line.endsWith(`-> ${elsewhere}`)),
      `the browser's connection is reported (got ${found.join('; ')})`,
    );
  });
});
