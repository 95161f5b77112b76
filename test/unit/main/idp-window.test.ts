/**
 * The IdP sign-in window's rules (main/idp-window-rules.ts, shared by Electron main and the browser
 * harness), the flow around it (main/idp-sign-in.ts: the page names only its attempt; the session
 * stays in the bridge), main's Electron window (main/idp-window.ts, security.ts) on a fake, and the
 * plain-words reading of the core's refusals (src/identity/model.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideIdpRequest,
  idpWindowRules,
  isAcsUrl,
  isIdpUrl,
  outcomeMessage,
  samlResponseFromForm,
  type IdpWindowOutcome,
} from '../../../main/idp-window-rules';
import { IdpSignIns } from '../../../main/idp-sign-in';
import { SessionBridge, type CoreLink } from '../../../main/session-bridge';
import { electronIdpWindow, uploadBytes } from '../../../main/idp-window';
import { guardWebContents, idpWindowOptions } from '../../../main/security';
import { signInRefusal } from '../../../src/identity/model';
import type { Result } from '../../../src/kernel';
import { FakeEvent } from './fake-electron';

const IDP = 'http://127.0.0.1:40093/simplesaml/saml2/idp/SSOService.php?SAMLRequest=abc';
const ACS = 'http://127.0.0.1:47380/saml/acs';
const rules = idpWindowRules(IDP, ACS);

describe('IdP window rules', () => {
  it('allows the IdP origin exactly: scheme, host and port', () => {
    assert.equal(isIdpUrl('http://127.0.0.1:40093/simplesaml/module.php/core/loginuserpass', rules), true);
    assert.equal(isIdpUrl('http://127.0.0.1:40093/', rules), true);
    for (const other of [
      'https://127.0.0.1:40093/', // https is another origin than http
      'http://127.0.0.1:40094/', // another port
      'http://127.0.0.1/', // default port
      'http://127.0.0.2:40093/', // another loopback address
      'http://localhost:40093/', // another name for the same host
      'http://127.0.0.1.evil.test:40093/', // look-alike host
      'http://127.0.0.1:40093@evil.test/', // user info that hides the host
      'http://evil.test/?http://127.0.0.1:40093/',
      'ws://127.0.0.1:40093/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      assert.equal(isIdpUrl(other, rules), false, other);
      assert.equal(decideIdpRequest(other, 'GET', rules).action, 'refuse', other);
    }
  });

  it('an https IdP with its default port is its own origin', () => {
    const https = idpWindowRules('https://idp.example.org/adfs/ls/?SAMLRequest=x', ACS);
    assert.equal(isIdpUrl('https://idp.example.org:443/adfs/ls/', https), true);
    assert.equal(isIdpUrl('http://idp.example.org/adfs/ls/', https), false);
    assert.equal(isIdpUrl('https://idp.example.org.evil.test/', https), false);
    assert.equal(isIdpUrl('https://evil-idp.example.org/', https), false);
  });

  it('takes the POST to the ACS URL (its query ignored), refuses a GET there and look-alikes', () => {
    assert.deepEqual(decideIdpRequest(ACS, 'POST', rules), { action: 'take' });
    assert.deepEqual(decideIdpRequest(`${ACS}?RelayState=x`, 'post', rules), { action: 'take' });
    assert.equal(isAcsUrl(`${ACS}#frag`, rules), true);
    assert.equal(decideIdpRequest(`${ACS}?SAMLResponse=x`, 'GET', rules).action, 'refuse');
    for (const other of [
      'http://127.0.0.1:47381/saml/acs',
      'https://127.0.0.1:47380/saml/acs',
      'http://127.0.0.1:47380/saml/acs/',
      'http://127.0.0.1:47380/saml/acsx',
      'http://127.0.0.1:47380/SAML/acs',
      'http://localhost:47380/saml/acs',
      'http://x@127.0.0.1:47380/saml/acs',
    ]) {
      assert.equal(isAcsUrl(other, rules), false, other);
      assert.equal(decideIdpRequest(other, 'POST', rules).action, 'refuse', other);
    }
    // An ACS URL with a query of its own matches by origin and path too.
    const withQuery = idpWindowRules(IDP, `${ACS}?sp=1`);
    assert.equal(isAcsUrl(ACS, withQuery), true);
  });

  it('says where a refused page tried to go, and allows data: URLs inside the IdP page', () => {
    const refused = decideIdpRequest('https://cdn.example.com/font.woff2', 'GET', rules);
    assert.deepEqual(refused, {
      action: 'refuse',
      reason: 'the page tried to reach https://cdn.example.com, which is not the identity provider',
    });
    assert.equal(decideIdpRequest('data:image/png;base64,AAAA', 'GET', rules).action, 'allow');
  });

  it('refuses to make rules from a URL that is not http(s) or carries user info', () => {
    assert.throws(() => idpWindowRules('javascript:alert(1)', ACS), /not an http\(s\) URL/);
    assert.throws(() => idpWindowRules('http://u:p@127.0.0.1/', ACS), /not an http\(s\) URL/);
    assert.throws(() => idpWindowRules(IDP, 'file:///acs'), /ACS URL/);
  });

  it('reads the SAMLResponse from the form body, as text or bytes', () => {
    const body = 'SAMLResponse=PHNhbWw%2BeDwvc2FtbD4%3D&RelayState=';
    assert.equal(samlResponseFromForm(body), 'PHNhbWw+eDwvc2FtbD4=');
    assert.equal(samlResponseFromForm(new TextEncoder().encode(body)), 'PHNhbWw+eDwvc2FtbD4=');
    assert.equal(samlResponseFromForm('RelayState=x'), null);
    assert.equal(samlResponseFromForm('SAMLResponse='), null);
    assert.equal(uploadBytes([{ bytes: Buffer.from('SAML') }, { bytes: Buffer.from('Response=x') }]).toString(), 'SAMLResponse=x');
    assert.equal(uploadBytes(undefined).length, 0);
  });

  it('explains in words how a window ended without an answer', () => {
    assert.match(outcomeMessage({ kind: 'closed' }, 'Example IdP'), /^The Example IdP window was closed before the sign-in finished/);
    assert.match(outcomeMessage({ kind: 'timeout' }, 'Example IdP'), /took too long/);
    assert.match(
      outcomeMessage({ kind: 'refused', reason: 'the page tried to reach http://x' }, 'Example IdP'),
      /closed for safety: the page tried/,
    );
  });
});

/** A core that answers the IdP step: begin (with the URL), complete (a session), cancel. */
function fakeCore(answers: Partial<Record<string, Result<unknown>>> = {}) {
  const calls: Array<{ name: string; input: unknown; sessionId: string | null }> = [];
  const link: CoreLink = {
    call: async (sessionId, name, input) => {
      calls.push({ name, input, sessionId });
      const fixed = answers[name];
      if (fixed) return fixed;
      if (name === 'auth.idp.begin') return { ok: true, value: { url: IDP, acsUrl: ACS, idpName: 'Example IdP', waitSeconds: 300 } };
      if (name === 'auth.idp.complete')
        return { ok: true, value: { sessionId: 'secret-session', user: { name: 'alice' }, permissions: [] } };
      return { ok: true, value: { ok: true } };
    },
    subscribe: async () => ({ ok: true, value: () => undefined }),
  };
  return { link, calls };
}

describe('IdpSignIns (the flow main and the harness share)', () => {
  it('asks the core for the URL (answer from the window: no listener), hands the answer over, binds the session', async () => {
    const { link, calls } = fakeCore();
    const bridge = new SessionBridge<number>(link);
    const opened: Array<{ url: string; deadline: number }> = [];
    const flow = new IdpSignIns(bridge, async (url, r, deadline) => {
      opened.push({ url, deadline });
      assert.deepEqual(r, rules);
      return { kind: 'answer', samlResponse: 'PHg+' };
    });
    const result = await flow.signIn(1, 'attempt-1');
    assert.deepEqual(result, { ok: true, value: { user: { name: 'alice' }, permissions: [] } }, 'the page never sees the session id');
    assert.equal(bridge.isSignedIn(1), true);
    assert.deepEqual(opened, [{ url: IDP, deadline: 300_000 }]);
    assert.deepEqual(
      calls.map((c) => [c.name, c.input]),
      [
        ['auth.idp.begin', { attemptId: 'attempt-1', answerFrom: 'window' }],
        ['auth.idp.complete', { attemptId: 'attempt-1', samlResponse: 'PHg+' }],
      ],
    );
  });

  for (const outcome of [
    { kind: 'closed' },
    { kind: 'timeout' },
    { kind: 'refused', reason: 'the page tried to reach x' },
  ] as IdpWindowOutcome[]) {
    it(`a window that ends ${outcome.kind} cancels the attempt in the core and signs nobody in`, async () => {
      const { link, calls } = fakeCore();
      const bridge = new SessionBridge<number>(link);
      const result = await new IdpSignIns(bridge, async () => outcome).signIn(1, 'attempt-2');
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error.code, 'UNAUTHENTICATED');
      assert.deepEqual(
        calls.map((c) => c.name),
        ['auth.idp.begin', 'auth.cancel'],
      );
      assert.equal(bridge.isSignedIn(1), false);
    });
  }

  it("passes the core's refusal on, refuses a bad attempt id, and one window per page at a time", async () => {
    const refusedBegin = fakeCore({ 'auth.idp.begin': { ok: false, error: { code: 'UNAUTHENTICATED', message: 'expired' } } });
    const flow = new IdpSignIns(new SessionBridge<number>(refusedBegin.link), async () => assert.fail('no window for a refused begin'));
    assert.deepEqual(await flow.signIn(1, 'a'), { ok: false, error: { code: 'UNAUTHENTICATED', message: 'expired' } });
    for (const bad of [undefined, 42, '', 'x'.repeat(101)]) {
      const r = await flow.signIn(1, bad);
      assert.equal(!r.ok && r.error.code, 'INVALID_INPUT');
    }
    const { link } = fakeCore();
    let release: (o: IdpWindowOutcome) => void = () => undefined;
    const slow = new IdpSignIns(new SessionBridge<number>(link), () => new Promise((resolve) => (release = resolve)));
    const first = slow.signIn(1, 'a');
    await new Promise((resolve) => setImmediate(resolve));
    const second = await slow.signIn(1, 'b');
    assert.equal(!second.ok && second.error.code, 'CONFLICT');
    release({ kind: 'closed' });
    assert.equal((await first).ok, false);
  });
});

/** Just enough of Electron for main/idp-window.ts. */
function fakeIdpElectron() {
  type Listener = (...args: unknown[]) => void;
  const state = {
    partition: '',
    partitionOptions: undefined as unknown,
    beforeRequest: null as
      null | ((d: { url: string; method: string; uploadData?: Array<{ bytes: Buffer }> }, cb: (r: { cancel?: boolean }) => void) => void),
    permissionRequest: null as null | ((c: unknown, p: string, cb: (ok: boolean) => void) => void),
    cleared: 0,
    windows: [] as Array<{
      options: Record<string, unknown>;
      loaded: string;
      destroyed: boolean;
      listeners: Map<string, Listener>;
      contents: FakeContents;
    }>,
  };
  class FakeContents {
    readonly handlers = new Map<string, Listener[]>();
    windowOpen: ((d: unknown) => unknown) | null = null;
    constructor(readonly session: object) {}
    on(event: string, l: Listener) {
      this.handlers.set(event, [...(this.handlers.get(event) ?? []), l]);
      return this;
    }
    setWindowOpenHandler(h: (d: unknown) => unknown) {
      this.windowOpen = h;
    }
    emit(event: string, ...args: unknown[]) {
      const e = new FakeEvent() as FakeEvent & { url?: string };
      for (const l of this.handlers.get(event) ?? []) l(e, ...args);
      return e;
    }
  }
  const ses = {
    setPermissionRequestHandler: (h: typeof state.permissionRequest) => void (state.permissionRequest = h),
    setPermissionCheckHandler: () => undefined,
    setDevicePermissionHandler: () => undefined,
    setSpellCheckerEnabled: () => undefined,
    on: () => undefined,
    webRequest: { onBeforeRequest: (h: typeof state.beforeRequest) => void (state.beforeRequest = h) },
    clearStorageData: async () => void state.cleared++,
    clearCache: async () => undefined,
  };
  class BrowserWindow {
    readonly webContents: FakeContents;
    readonly record: (typeof state.windows)[number];
    constructor(options: Record<string, unknown>) {
      this.webContents = new FakeContents((options.webPreferences as { session: object }).session);
      // Electron raises web-contents-created here: security.ts's guard runs as it would.
      guardWebContents(this.webContents as never);
      this.record = { options, loaded: '', destroyed: false, listeners: new Map(), contents: this.webContents };
      state.windows.push(this.record);
    }
    setMenu() {}
    on(event: string, l: Listener) {
      this.record.listeners.set(event, l);
    }
    async loadURL(url: string) {
      this.record.loaded = url;
    }
    isDestroyed() {
      return this.record.destroyed;
    }
    destroy() {
      this.record.destroyed = true;
      this.record.listeners.get('closed')?.();
    }
  }
  const electron = {
    session: {
      fromPartition: (partition: string, options: unknown) => {
        state.partition = partition;
        state.partitionOptions = options;
        return ses;
      },
    },
    BrowserWindow,
  };
  return { electron: electron as never, state };
}

describe("main's IdP window (Electron, on a fake)", () => {
  it('is sandboxed, isolated, without preload or Node, in a fresh in-memory session; takes the ACS POST and cancels it', async () => {
    const { electron, state } = fakeIdpElectron();
    const open = electronIdpWindow(electron, () => undefined);
    const ending = open(IDP, rules, 60_000);
    const win = state.windows[0]!;
    const prefs = win.options.webPreferences as Record<string, unknown>;
    assert.equal(prefs.preload, undefined, 'no preload');
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.devTools, false);
    assert.match(state.partition, /^idp-[0-9a-f]{24}$/, 'its own partition, not persisted');
    assert.deepEqual(state.partitionOptions, { cache: false });
    assert.equal(win.loaded, IDP);
    // Permissions refused; new windows denied; navigation only to the IdP and the ACS.
    let granted: boolean | null = null;
    state.permissionRequest!(null, 'media', (ok) => (granted = ok));
    assert.equal(granted, false);
    assert.deepEqual(win.contents.windowOpen!({ url: 'http://127.0.0.1:40093/popup' }), { action: 'deny' });
    assert.equal(win.contents.emit('will-navigate', 'http://127.0.0.1:40093/login').prevented, false);
    assert.equal(win.contents.emit('will-navigate', ACS).prevented, false);
    assert.equal(win.contents.emit('will-navigate', 'http://evil.test/').prevented, true);
    assert.equal(win.contents.emit('will-redirect', 'http://127.0.0.1.evil.test:40093/').prevented, true);
    assert.equal(win.contents.emit('will-attach-webview').prevented, true);
    // Requests: the IdP goes through; the ACS POST is cancelled and its body taken.
    const answers: Array<{ cancel?: boolean }> = [];
    state.beforeRequest!({ url: 'http://127.0.0.1:40093/simplesaml/style.css', method: 'GET' }, (r) => answers.push(r));
    state.beforeRequest!({ url: ACS, method: 'POST', uploadData: [{ bytes: Buffer.from('SAMLResponse=PHg%2B&RelayState=') }] }, (r) =>
      answers.push(r),
    );
    assert.deepEqual(answers, [{}, { cancel: true }]);
    assert.deepEqual(await ending, { kind: 'answer', samlResponse: 'PHg+' });
    assert.equal(win.destroyed, true, 'the window is closed');
    assert.equal(state.cleared, 1, 'its storage cleared');
  });

  it('a request to another origin closes it as refused; closing it by hand is a cancel; the deadline a time-out', async () => {
    {
      const { electron, state } = fakeIdpElectron();
      const ending = electronIdpWindow(electron, () => undefined)(IDP, rules, 60_000);
      let cancelled: { cancel?: boolean } = {};
      state.beforeRequest!({ url: 'https://cdn.example.com/x.js', method: 'GET' }, (r) => (cancelled = r));
      assert.deepEqual(cancelled, { cancel: true });
      const outcome = await ending;
      assert.equal(outcome.kind, 'refused');
      assert.equal(state.windows[0]!.destroyed, true);
    }
    {
      const { electron, state } = fakeIdpElectron();
      const ending = electronIdpWindow(electron, () => undefined)(IDP, rules, 60_000);
      state.windows[0]!.listeners.get('closed')!();
      assert.deepEqual(await ending, { kind: 'closed' });
    }
    {
      const { electron } = fakeIdpElectron();
      assert.deepEqual(await electronIdpWindow(electron, () => undefined)(IDP, rules, 10), { kind: 'timeout' });
    }
  });

  it('the main window keeps refusing every navigation (the IdP rules apply only to IdP sessions)', () => {
    const contents = {
      session: {},
      handlers: new Map<string, (e: FakeEvent, url?: string) => void>(),
      on(event: string, l: (e: FakeEvent, url?: string) => void) {
        this.handlers.set(event, l);
      },
      setWindowOpenHandler() {},
    };
    guardWebContents(contents as never);
    const e = new FakeEvent();
    contents.handlers.get('will-navigate')!(e, 'http://127.0.0.1:40093/');
    assert.equal(e.prevented, true);
    assert.equal(idpWindowOptions({} as never, 'Sign in', undefined).webPreferences?.preload, undefined);
  });
});

describe('signInRefusal: the core refusals in plain categories', () => {
  const refused = (reason: string) => ({
    code: 'UNAUTHENTICATED',
    message: `Sign-in with Test IdP was refused: ${reason}. Nothing was opened; try again or ask an admin.`,
  });
  it('reads each refusal the core reports', () => {
    const cases: Array<[string, ReturnType<typeof signInRefusal>]> = [
      [
        'the IdP authenticated with urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport, not the required https://refeds.org/profile/mfa (MFA)',
        'mfa',
      ],
      ['the IdP refused the sign-in (Responder: account disabled)', 'idp-refused'],
      ['none of the groups you are in maps to a role', 'no-role'],
      ['the groups you are in map only to roles an admin has not granted you yet (auditor)', 'roles-pending'],
      ['the IdP signed in "bob", not "alice"', 'other-user'],
      ['the directory refused the password (wrong, or the account is locked or disabled)', 'directory-password'],
      ['the directory could not be reached: connect ECONNREFUSED', 'directory-unreachable'],
      ['the response did not verify: Invalid signature', 'not-verified'],
    ];
    for (const [reason, kind] of cases) assert.equal(signInRefusal(refused(reason)), kind, reason);
    assert.equal(
      signInRefusal({
        code: 'UNAUTHENTICATED',
        message: 'This sign-in expired or was already used. Sign in again with your name and password.',
      }),
      'expired',
    );
    assert.equal(signInRefusal({ code: 'UNAUTHENTICATED', message: 'Wrong user name or password.' }), null);
    assert.equal(signInRefusal({ code: 'FORBIDDEN', message: refused('x').message }), null);
  });
});
