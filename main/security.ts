/**
 * Every security setting of the desktop shell, in one place so a unit test can pin it
 * (ARCHITECTURE.md, "Desktop shell and UI"; THREAT_MODEL.md, "A compromised renderer").
 * Functions take the electron module (or the part they need) as a parameter: the test passes a
 * fake and asserts what was set. Only types are imported from electron here.
 */
import type * as ElectronNS from 'electron';
import { lstat, readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { isAcsUrl, isIdpUrl, type IdpWindowRules } from './idp-window-rules';

type ElectronModule = typeof ElectronNS;
export type ElectronMain = Pick<ElectronModule, 'app' | 'protocol' | 'session' | 'BrowserWindow' | 'Menu'>;
export type WindowOptions = ElectronNS.BrowserWindowConstructorOptions;

export const APP_SCHEME = 'app';
export const APP_HOST = 'airgap-runner';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const START_URL = `${APP_ORIGIN}/index.html`;
/** No "persist:" prefix: cookies, storage and caches live in memory and vanish at exit. */
export const SESSION_PARTITION = 'airgap-runner';

/** Strict: only our own files, no inline or eval'd script, no remote anything, no HTML sinks. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Standard (relative URLs, storage) and secure (a secure context); nothing that bypasses CSP. */
export const SCHEME_PRIVILEGES: ElectronNS.Privileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
};

/** What every window of ours has, whatever it shows: isolated, sandboxed, no Node, no webview. */
function lockedDown(ses: ElectronNS.Session): ElectronNS.WebPreferences {
  return {
    session: ses,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function webPreferences(preload: string, packaged: boolean, ses: ElectronNS.Session): ElectronNS.WebPreferences {
  return { preload, ...lockedDown(ses), devTools: !packaged };
}

export function windowOptions(preload: string, packaged: boolean, ses: ElectronNS.Session): WindowOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Airgap Runner',
    autoHideMenuBar: packaged,
    webPreferences: webPreferences(preload, packaged, ses),
  };
}

// --- before ready ---

/**
 * Process-wide settings that must be made before `ready`. Returns false when another instance
 * already runs (the caller quits): two app instances would fight over the one store.
 */
export function secureAppBeforeReady(electron: Pick<ElectronMain, 'app' | 'protocol'>): boolean {
  const { app, protocol } = electron;
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: SCHEME_PRIVILEGES }]);
  // Every web contents, including any we did not create ourselves, gets the same guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  return app.requestSingleInstanceLock();
}

// --- the app:// protocol ---

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Maps an app:// URL to a file under `root`, or null. Refuses other hosts, encoded traversal
 * (`%2e%2e`, `%2f`), backslashes and NUL; the result is always inside root.
 */
export function resolveAppFile(root: string, rawUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  const rawSegments = url.pathname.split('/').filter((s) => s.length > 0);
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  const base = resolve(root);
  const file = resolve(base, ...(segments.length > 0 ? segments : ['index.html']));
  return file.startsWith(base + sep) ? file : null;
}

export interface FileReader {
  lstat(path: string): Promise<{ isFile(): boolean }>;
  readFile(path: string): Promise<Uint8Array>;
}

const nodeFiles: FileReader = { lstat, readFile };

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The handler behind `protocol.handle('app', ...)`: our built renderer files, and nothing else. */
export function appProtocolHandler(root: string, files: FileReader = nodeFiles): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    const file = resolveAppFile(root, request.url);
    if (!file) return plain(404, 'not found');
    try {
      // lstat: a symlink is refused even if it points inside root; the build never makes one.
      if (!(await files.lstat(file)).isFile()) return plain(404, 'not found');
      const body = await files.readFile(file);
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      return new Response(request.method === 'HEAD' ? null : Buffer.from(body), {
        status: 200,
        headers: { ...RESPONSE_HEADERS, 'Content-Type': type },
      });
    } catch {
      return plain(404, 'not found');
    }
  };
}

/** Requests the page may make at all; anything else (http, https, ws, file, ftp...) is cancelled. */
export function isAllowedRequestUrl(url: string, packaged: boolean): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`)) return true;
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  return !packaged && url.startsWith('devtools://');
}

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

// --- after ready ---

/** The in-memory session the window uses: our protocol, every permission denied, no remote requests. */
export function createSecureSession(electron: Pick<ElectronMain, 'session'>, rendererRoot: string, packaged: boolean): ElectronNS.Session {
  const ses = electron.session.fromPartition(SESSION_PARTITION, { cache: false });
  ses.protocol.handle(APP_SCHEME, appProtocolHandler(rendererRoot));
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // Spell-check dictionaries are downloaded from a CDN: off, so the app makes no request at start.
  ses.setSpellCheckerEnabled(false);
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url, packaged) }));
  ses.on('will-download', (event) => event.preventDefault());
  return ses;
}

/**
 * Sessions of IdP sign-in windows (idp-window.ts) and their rules. Registered before the window
 * is made, so the guard below, which runs as each web contents is created, knows it at once.
 */
export const idpWindowSessions = new WeakMap<object, IdpWindowRules>();

/**
 * Navigation, new windows and webviews are refused for every web contents; an IdP sign-in window
 * may navigate (and be redirected) only within the IdP's origin and to the ACS URL.
 */
export function guardWebContents(contents: ElectronNS.WebContents): void {
  const idp = (contents as { session?: object }).session ? idpWindowSessions.get(contents.session) : undefined;
  if (idp) return guardIdpWebContents(contents, idp);
  // The UI is one page; in-page (hash) navigation does not raise these events.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The IdP window: its navigations stay on the IdP or go to the ACS (where idp-window.ts takes the POST). */
export function guardIdpWebContents(contents: ElectronNS.WebContents, rules: IdpWindowRules): void {
  const allowed = (url: string) => isIdpUrl(url, rules) || isAcsUrl(url, rules);
  const check = (event: { preventDefault(): void; url?: string }, url?: string) => {
    if (!allowed(event.url ?? url ?? '')) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => check(event, url));
  contents.on('will-frame-navigate', (event) => check(event));
  contents.on('will-redirect', (event, url) => check(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The IdP window's options: sandboxed, isolated, no preload, no Node, its own session. */
export function idpWindowOptions(ses: ElectronNS.Session, title: string, parent: ElectronNS.BrowserWindow | undefined): WindowOptions {
  return {
    width: 720,
    height: 760,
    minWidth: 480,
    minHeight: 520,
    title,
    autoHideMenuBar: true,
    ...(parent ? { parent } : {}),
    // No preload: the IdP's page gets no window.api. No devtools either.
    webPreferences: { ...lockedDown(ses), devTools: false },
  };
}

/** The one window. Devtools and the default menu exist only in unpackaged (developer) runs. */
export function createMainWindow(
  electron: Pick<ElectronMain, 'BrowserWindow' | 'Menu'>,
  options: { preload: string; packaged: boolean; session: ElectronNS.Session },
): ElectronNS.BrowserWindow {
  if (options.packaged) electron.Menu.setApplicationMenu(null);
  const window = new electron.BrowserWindow(windowOptions(options.preload, options.packaged, options.session));
  guardWebContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  return window;
}

// --- IPC sender check ---

export interface IpcEventLike {
  sender: unknown;
  senderFrame: { url: string; processId: number; routingId: number } | null;
}

/** IPC is answered only for our window's main frame showing our own page. */
export function isTrustedSender(event: IpcEventLike, window: Pick<ElectronNS.BrowserWindow, 'webContents' | 'isDestroyed'>): boolean {
  if (window.isDestroyed()) return false;
  const contents = window.webContents;
  const frame = event.senderFrame;
  if (event.sender !== contents || !frame) return false;
  const main = contents.mainFrame;
  return frame.processId === main.processId && frame.routingId === main.routingId && isAppUrl(frame.url);
}
