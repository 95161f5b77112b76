/**
 * The main-process security setup, with Electron faked at the module boundary: what is passed to
 * BrowserWindow, the app:// scheme and its handler (no traversal, strict CSP), the guards on every
 * web contents, the session's permission and request handlers, and the IPC sender check.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  SESSION_PARTITION,
  START_URL,
  appProtocolHandler,
  createMainWindow,
  createSecureSession,
  isTrustedSender,
  resolveAppFile,
  secureAppBeforeReady,
} from '../../../main/security';
import { FakeBrowserWindow, FakeWebContents, fakeElectron } from './fake-electron';

type Session = Parameters<typeof createMainWindow>[1]['session'];

describe('before ready', () => {
  it('enables the sandbox, registers app:// as standard and secure without CSP bypass, and takes the single-instance lock', () => {
    const { electron, record } = fakeElectron();
    assert.equal(secureAppBeforeReady(electron), true);
    assert.equal(record.sandboxEnabled, 1);
    assert.deepEqual(
      record.schemes.map((s) => s.scheme),
      ['app'],
    );
    const privileges = record.schemes[0]!.privileges!;
    assert.equal(privileges.standard, true);
    assert.equal(privileges.secure, true);
    assert.equal(privileges.bypassCSP, false);
    assert.equal(privileges.allowServiceWorkers, false);

    record.singleInstance = false;
    assert.equal(secureAppBeforeReady(electron), false, 'a second instance is told to quit');
  });

  it('guards every web contents created later: navigation, redirects, webviews and new windows', () => {
    const { electron, record } = fakeElectron();
    secureAppBeforeReady(electron);
    const contents = new FakeWebContents();
    record.appListeners.get('web-contents-created')!({}, contents);
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      assert.equal(contents.emit(event, 'https://example.com/').prevented, true, event);
    }
    assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.com/' }), { action: 'deny' });
  });
});

describe('the window', () => {
  const session = {} as Session;

  it('is created with isolation, sandbox, no Node, no webview, web security, the in-memory session and no devtools when packaged', () => {
    const { electron, record } = fakeElectron();
    const window = createMainWindow(electron, { preload: '/app/dist/main/preload.cjs', packaged: true, session });
    const options = (window as unknown as FakeBrowserWindow).options;
    const prefs = options.webPreferences!;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.experimentalFeatures, false);
    assert.equal(prefs.spellcheck, false);
    assert.equal(prefs.devTools, false);
    assert.equal(prefs.preload, '/app/dist/main/preload.cjs');
    assert.equal(prefs.session, session);
    assert.equal(prefs.partition, undefined, 'the session object is passed, not a persistent partition name');
    assert.equal(record.applicationMenu, null, 'default menu removed when packaged');

    const contents = (window as unknown as FakeBrowserWindow).webContents;
    assert.equal(contents.emit('will-navigate', 'https://example.com/').prevented, true);
    assert.deepEqual(contents.windowOpenHandler!({ url: 'javascript:alert(1)' }), { action: 'deny' });
  });

  it('keeps devtools and the menu for an unpackaged developer run only', () => {
    const { electron, record } = fakeElectron();
    const window = createMainWindow(electron, { preload: '/p.cjs', packaged: false, session });
    assert.equal((window as unknown as FakeBrowserWindow).options.webPreferences!.devTools, true);
    assert.equal(record.applicationMenu, undefined);
  });
});

describe('the session', () => {
  it('is in memory, serves app://, denies every permission, cancels remote requests and downloads, and never spell-checks', async () => {
    const { electron, record } = fakeElectron();
    createSecureSession(electron, '/nowhere', true);
    const s = record.sessions[0]!;
    assert.equal(s.partition, SESSION_PARTITION);
    assert.ok(!s.partition.startsWith('persist:'));
    assert.ok(s.protocols.has('app'));

    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal', 'clipboard-read', 'fileSystem']) {
      const granted = await new Promise<boolean>((resolve) => s.permissionRequest!({}, permission, resolve));
      assert.equal(granted, false, permission);
    }
    assert.equal(s.permissionCheck!({}, 'media', APP_ORIGIN, {}), false);
    assert.equal(s.devicePermission!({}), false);
    assert.equal(s.spellChecker, false);

    const verdict = (url: string) => new Promise<boolean>((resolve) => s.beforeRequest!({ url }, (r) => resolve(r.cancel === true)));
    assert.equal(await verdict(START_URL), false);
    assert.equal(await verdict(`${APP_ORIGIN}/assets/index.js`), false);
    for (const remote of [
      'https://example.com/',
      'http://10.0.0.1/',
      'ws://127.0.0.1:9222/',
      'file:///etc/passwd',
      'devtools://devtools/bundled/x.html',
    ]) {
      assert.equal(await verdict(remote), true, remote);
    }
    const download = {
      prevented: false,
      preventDefault() {
        this.prevented = true;
      },
    };
    s.listeners.get('will-download')!(download);
    assert.equal(download.prevented, true);
  });
});

describe('the app:// protocol', () => {
  let root: string;
  let outside: string;
  let handle: (request: Request) => Promise<Response>;

  before(() => {
    outside = mkdtempSync(join(tmpdir(), 'airgap-proto-'));
    root = join(outside, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>ok</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(outside, 'secret.txt'), 'not for the page');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    handle = appProtocolHandler(root);
  });

  after(() => rmSync(outside, { recursive: true, force: true }));

  const get = async (url: string, method = 'GET') => await handle(new Request(url, { method }));

  it('serves the built files with the strict CSP and hardening headers', async () => {
    const index = await get(`${APP_ORIGIN}/`);
    assert.equal(index.status, 200);
    assert.equal(await index.text(), '<!doctype html><title>ok</title>');
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    const script = await get(`${APP_ORIGIN}/assets/app.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  it('has a CSP with only our own origin: no eval, no inline script, no remote source, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'self'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('require-trusted-types-for'), ["'script'"]);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|unsafe-inline|https?:|\*/);
  });

  it('refuses traversal, other hosts, symlinks, folders and non-GET methods', async () => {
    for (const url of [
      `${APP_ORIGIN}/../secret.txt`,
      `${APP_ORIGIN}/%2e%2e/secret.txt`,
      `${APP_ORIGIN}/assets/%2e%2e/%2e%2e/secret.txt`,
      `${APP_ORIGIN}/..%2fsecret.txt`,
      `${APP_ORIGIN}/..%5csecret.txt`,
      `${APP_ORIGIN}/index.html%00.js`,
      `${APP_ORIGIN}/link.txt`,
      `${APP_ORIGIN}/assets`,
      `${APP_ORIGIN}/missing.js`,
      'app://evil/index.html',
    ]) {
      const response = await get(url);
      assert.equal(response.status, 404, url);
      assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, `${url} still carries the CSP`);
    }
    assert.equal((await get(`${APP_ORIGIN}/index.html`, 'POST')).status, 405);
  });

  it('maps URLs to files inside the root only', () => {
    assert.equal(resolveAppFile('/r', `${APP_ORIGIN}/`), '/r/index.html');
    assert.equal(resolveAppFile('/r', `${APP_ORIGIN}/assets/a%20b.js`), '/r/assets/a b.js');
    // The URL parser resolves (even encoded) dot segments before we see them: never above the root.
    assert.equal(resolveAppFile('/r', `${APP_ORIGIN}/a/%2e%2e/%2e%2e/%2e%2e/b`), '/r/b');
    assert.equal(resolveAppFile('/r', `${APP_ORIGIN}/..%2f..%2fetc%2fpasswd`), null);
    assert.equal(resolveAppFile('/r', 'file:///r/index.html'), null);
    assert.equal(resolveAppFile('/r', 'not a url'), null);
  });
});

describe('the IPC sender check', () => {
  const window = () => {
    const w = new FakeBrowserWindow({});
    return w as unknown as Parameters<typeof isTrustedSender>[1] & FakeBrowserWindow;
  };

  it('accepts only our window, its main frame, showing app://', () => {
    const w = window();
    const frame = { ...w.webContents.mainFrame };
    assert.equal(isTrustedSender({ sender: w.webContents, senderFrame: frame }, w), true);
    assert.equal(isTrustedSender({ sender: new FakeWebContents(), senderFrame: frame }, w), false, 'another web contents');
    assert.equal(isTrustedSender({ sender: w.webContents, senderFrame: { ...frame, routingId: 2 } }, w), false, 'a subframe');
    assert.equal(
      isTrustedSender({ sender: w.webContents, senderFrame: { ...frame, url: 'https://example.com/' } }, w),
      false,
      'a remote page',
    );
    assert.equal(
      isTrustedSender({ sender: w.webContents, senderFrame: { ...frame, url: 'app://evil/index.html' } }, w),
      false,
      'another app host',
    );
    assert.equal(isTrustedSender({ sender: w.webContents, senderFrame: null }, w), false, 'a frame that is gone');
    w.destroyed = true;
    assert.equal(isTrustedSender({ sender: w.webContents, senderFrame: frame }, w), false, 'a destroyed window');
  });
});
