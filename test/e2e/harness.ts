/**
 * Browser harness for the UI (ARCHITECTURE.md, "Desktop shell and UI"): serves the built renderer
 * on 127.0.0.1 and binds `window.api` in the page to the same handler table the desktop app uses.
 *
 * Fidelity with the desktop shell is the point, so the privileged pieces are main's own:
 * - files are served by main's app:// protocol handler (same path checks, same CSP and headers);
 * - calls go through main's SessionBridge (session id kept here, per page; dialog-granted paths);
 * - the core is a real Core over a temp home (real encrypted store), reached through directLink.
 * Only the transport differs: fetch + Server-Sent Events on loopback instead of Electron IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Core } from '../../src/api/core';
import type { Clock } from '../../src/kernel';
import { directLink } from '../../main/core-link';
import { SessionBridge, type CoreLink } from '../../main/session-bridge';
import { APP_ORIGIN, appProtocolHandler } from '../../main/security';
import { chooseFileOptions, chooseSaveFileOptions } from '../../main/dialog-options';
import type { ServiceControl } from '../../main/service-link';
import { ensureRendererBuilt, RENDERER_DIST } from './build-renderer';
import { IdpSignIns } from '../../main/idp-sign-in';
import { playwrightIdpWindow } from './idp-window';
import type { BrowserContext, Page } from 'playwright-core';

const MAX_BODY = 1024 * 1024;

interface Client {
  streams: Set<ServerResponse>;
  backlog: string[];
}

export interface Harness {
  /** The page to open. */
  url: string;
  /** The script that defines `window.api`; give it to `page.addInitScript` / `context.addInitScript`. */
  initScript: string;
  home: string;
  core: Core;
  bridge: SessionBridge<string>;
  /** Answers for the next native dialogs (a path, or null for "cancelled"). */
  dialogs: { open: Array<string | null>; save: Array<string | null> };
  /** Ties a page's client to its browser context, where its IdP sign-in window opens (openApp does it). */
  bindWindow(page: Page): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value ?? null));
}

/** The page side: same shape as main/preload.ts, over fetch and EventSource. */
function pageScript(origin: string, token: string): string {
  return `(() => {
  if (location.origin !== ${JSON.stringify(origin)} || window !== window.top) return;
  const token = ${JSON.stringify(token)};
  let client = sessionStorage.getItem('harness.client');
  if (!client) { client = crypto.randomUUID(); sessionStorage.setItem('harness.client', client); }
  const post = async (path, body) => {
    const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Harness-Token': token, 'X-Harness-Client': client }, body: JSON.stringify(body) });
    return await response.json();
  };
  const listeners = new Map();
  let source = null;
  const ensureSource = () => {
    if (source) return;
    source = new EventSource('/__api/events?client=' + encodeURIComponent(client) + '&token=' + encodeURIComponent(token));
    source.onmessage = (message) => { const { id, event } = JSON.parse(message.data); listeners.get(id)?.(event); };
  };
  const api = {
    call: (name, input) => post('/__api/call', { name, input }),
    subscribe(name, input, onEvent, onError) {
      ensureSource();
      const id = Math.floor(Math.random() * 2 ** 48);
      listeners.set(id, onEvent);
      post('/__api/subscribe', { subId: id, name, input }).then((result) => {
        if (!result.ok) { listeners.delete(id); onError?.(result.error); }
      });
      return () => { if (listeners.delete(id)) void post('/__api/unsubscribe', { subId: id }); };
    },
    chooseFile: (options) => post('/__api/choose-file', { options: options ?? {} }),
    chooseSaveFile: (options) => post('/__api/choose-save-file', { options: options ?? {} }),
    // Main writes the system clipboard; in the browser the page's own (the tests grant the permission).
    copyText: (text) => navigator.clipboard.writeText(text).then(() => true, () => false),
    idpSignIn: (attemptId) => post('/__api/idp-sign-in', { attemptId }),
    serviceState: () => post('/__api/service-state', {}),
    unsealService: (input) => post('/__api/service-unseal', { input }),
  };
  Object.defineProperty(window, 'api', { value: Object.freeze(api), writable: false, configurable: false });
})();`;
}

/** A harness that is a client of a running service has no core of its own: touching `core` is a test bug. */
function noCore(): Core {
  return new Proxy({} as Core, {
    get: (_target, key) => {
      if (key === 'close') return async () => undefined;
      throw new Error(`this harness is a client of a service and has no core (asked for core.${String(key)})`);
    },
  });
}

/**
 * Starts the harness over a core of its own on `home`, or, with `link`, as a client of a core
 * elsewhere (a running service, as Electron main is when one runs: main/service-link.ts).
 */
export async function startHarness(options: { home?: string; clock?: Clock; link?: CoreLink } = {}): Promise<Harness> {
  await ensureRendererBuilt();
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'airgap-e2e-'));
  const core = options.link ? noCore() : new Core({ home, ...(options.clock ? { clock: options.clock } : {}) });
  const bridge = new SessionBridge<string>(options.link ?? directLink(core));
  const service = options.link && 'unseal' in options.link ? (options.link as unknown as ServiceControl) : null;
  const serveFile = appProtocolHandler(RENDERER_DIST);
  const token = randomBytes(24).toString('hex');
  const clients = new Map<string, Client>();
  const dialogs: Harness['dialogs'] = { open: [], save: [] };
  /** Each page's client id -> its IdP sign-ins (in a new page of that page's browser context). */
  const idpSignIns = new Map<string, IdpSignIns<string>>();
  const contexts = new Map<string, BrowserContext>();
  const idpFor = (clientId: string): IdpSignIns<string> | null => {
    const context = contexts.get(clientId);
    if (!context) return null;
    let found = idpSignIns.get(clientId);
    if (!found) {
      found = new IdpSignIns(bridge, playwrightIdpWindow(context));
      idpSignIns.set(clientId, found);
    }
    return found;
  };
  let host = '';

  const clientOf = (id: string): Client => {
    let c = clients.get(id);
    if (!c) {
      c = { streams: new Set(), backlog: [] };
      clients.set(id, c);
    }
    return c;
  };
  const emit = (clientId: string, id: number, event: unknown) => {
    const c = clientOf(clientId);
    const frame = `data: ${JSON.stringify({ id, event })}\n\n`;
    if (c.streams.size === 0) c.backlog.push(frame);
    for (const s of c.streams) s.write(frame);
  };

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/__api/events' && req.method === 'GET') {
      const clientId = url.searchParams.get('client') ?? '';
      if (url.searchParams.get('token') !== token || !clientId) return sendJson(res, 403, { error: 'forbidden' });
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      const c = clientOf(clientId);
      c.streams.add(res);
      for (const frame of c.backlog.splice(0)) res.write(frame);
      // The page went away (reload, close): its subscriptions go, its session stays, as in main.
      req.on('close', () => {
        c.streams.delete(res);
        if (c.streams.size === 0) bridge.dropSubscriptions(clientId);
      });
      return;
    }
    const clientId = req.headers['x-harness-client'];
    if (req.method !== 'POST' || req.headers['x-harness-token'] !== token || typeof clientId !== 'string' || !clientId) {
      return sendJson(res, 403, { error: 'forbidden' });
    }
    const body = (await readBody(req)) as Record<string, unknown>;
    switch (url.pathname) {
      case '/__api/call':
        return sendJson(res, 200, await bridge.call(clientId, body.name, body.input));
      case '/__api/subscribe': {
        const subId = body.subId;
        return sendJson(
          res,
          200,
          await bridge.subscribe(clientId, subId, body.name, body.input, (event) => emit(clientId, subId as number, event)),
        );
      }
      case '/__api/idp-sign-in': {
        const idp = idpFor(clientId);
        if (!idp)
          return sendJson(res, 200, { ok: false, error: { code: 'INTERNAL', message: 'This window was not bound (harness.bindWindow).' } });
        return sendJson(res, 200, await idp.signIn(clientId, body.attemptId));
      }
      // As main/ipc.ts: the service's state and unseal, when this harness is a client of one.
      case '/__api/service-state':
        return sendJson(res, 200, service ? await service.state() : null);
      case '/__api/service-unseal':
        return sendJson(
          res,
          200,
          service ? await service.unseal(body.input) : { ok: false, error: { code: 'NOT_FOUND', message: 'no service here' } },
        );
      case '/__api/unsubscribe':
        bridge.unsubscribe(clientId, body.subId);
        return sendJson(res, 200, null);
      case '/__api/choose-file':
      case '/__api/choose-save-file': {
        const save = url.pathname === '/__api/choose-save-file';
        const valid = (save ? chooseSaveFileOptions : chooseFileOptions).safeParse(body.options ?? {});
        const path = valid.success ? ((save ? dialogs.save : dialogs.open).shift() ?? null) : null;
        if (path) bridge.grantPath(clientId, path);
        return sendJson(res, 200, path);
      }
      default:
        return sendJson(res, 404, { error: 'not found' });
    }
  }

  const server = createServer((req, res) => {
    // Loopback only, and only under the name we were reached by (no DNS rebinding).
    if (req.headers.host !== host) return sendJson(res, 421, { error: 'wrong host' });
    const url = new URL(req.url ?? '/', `http://${host}`);
    const handle = url.pathname.startsWith('/__api/')
      ? api(req, res, url)
      : serveFile(new Request(`${APP_ORIGIN}${url.pathname}`, { method: req.method ?? 'GET' })).then(async (response) => {
          const headers: Record<string, string> = {};
          response.headers.forEach((value, key) => (headers[key] = value));
          res.writeHead(response.status, headers);
          res.end(Buffer.from(await response.arrayBuffer()));
        });
    handle.catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'harness error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${host}/`;

  return {
    url,
    initScript: pageScript(`http://${host}`, token),
    home,
    core,
    bridge,
    dialogs,
    async bindWindow(page) {
      const client = await page.evaluate(() => sessionStorage.getItem('harness.client'));
      if (client) contexts.set(client, page.context());
    },
    async close() {
      for (const c of clients.values()) for (const s of c.streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await core.close();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
