/**
 * The loopback endpoint where the IdP's browser form posts its SAMLResponse (the CLI's printed URL
 * and the desktop's IdP window both end here, as `gh auth login` does). It listens on 127.0.0.1
 * only, at the port of the ACS URL registered at the IdP, and only while a sign-in of this process
 * waits: it takes POSTs to /saml/acs of at most 256 KiB and hands each to the sign-in whose request
 * its InResponseTo names (the claim is only for routing: the sign-in verifies everything). Nothing
 * else is served; a sign-in that gets no answer within its deadline ends, and with the last one
 * the port closes.
 */
import { createServer, type Server } from 'node:http';
import { ApiError } from '../kernel';

const MAX_BODY = 256 * 1024;
const page = (title: string, text: string) => `<!doctype html><meta charset="utf-8"><title>Airgap Runner</title>
<body style="font:16px system-ui;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;
const RECEIVED = page('Sign-in received', 'Return to Airgap Runner. You can close this window.');
const UNKNOWN = page('No sign-in is waiting for this answer', 'It may have expired. Start the sign-in again in Airgap Runner.');

export interface AcsWait {
  /** The posted SAMLResponse, or a rejection at the deadline or when cancelled. */
  response: Promise<string>;
  close(): void;
}

interface Waiter {
  resolve(v: string): void;
  reject(e: Error): void;
}

/** The request id a response claims to answer (its root element's InResponseTo), for routing only. */
function claimedRequestId(samlResponse: string): string | null {
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8').slice(0, 4096);
  return /<(?:[\w-]+:)?Response\b[^>]*?\sInResponseTo="([^"]{1,200})"/.exec(xml)?.[1] ?? null;
}

class AcsHub {
  private server: Server | null = null;
  private starting: Promise<void> | null = null;
  readonly waiters = new Map<string, Waiter>();

  constructor(private readonly url: URL) {}

  private handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
    if (req.method !== 'POST' || req.url !== this.url.pathname) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.setTimeout(10_000, () => req.destroy());
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const value = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('SAMLResponse');
      const id = value ? claimedRequestId(value) : null;
      const waiter = id ? this.waiters.get(id) : undefined;
      if (!value || !id || !waiter) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(UNKNOWN);
        return;
      }
      this.waiters.delete(id);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(RECEIVED);
      waiter.resolve(value);
      this.closeIfIdle();
    });
  }

  async open(): Promise<void> {
    if (this.server) return;
    if (this.starting) return await this.starting;
    const server = createServer((req, res) => this.handle(req, res));
    this.starting = new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new ApiError(
            'CONFLICT',
            e.code === 'EADDRINUSE'
              ? `Port ${this.url.port} on 127.0.0.1 (the ACS URL) is in use by another program or another Airgap Runner process signing in. Finish that sign-in, or ask an admin to change the ACS port.`
              : `Cannot listen on ${this.url.href}: ${e.message}`,
          ),
        ),
      );
      server.listen(Number(this.url.port), '127.0.0.1', () => resolve());
    });
    try {
      await this.starting;
      this.server = server;
    } finally {
      this.starting = null;
    }
  }

  closeIfIdle(): void {
    if (this.waiters.size > 0 || !this.server) return;
    const server = this.server;
    this.server = null;
    server.close();
    server.closeAllConnections();
  }
}

const HUBS = new Map<string, AcsHub>();

/** Waits for the IdP's answer to `requestId` at `acsUrl`, for at most `deadlineMs`. */
export async function listenForResponse(acsUrl: string, requestId: string, deadlineMs: number): Promise<AcsWait> {
  const url = new URL(acsUrl);
  if (url.hostname !== '127.0.0.1' || url.protocol !== 'http:')
    throw new ApiError('INVALID_INPUT', 'The ACS URL must be http://127.0.0.1:PORT/….');
  let hub = HUBS.get(url.href);
  if (!hub) HUBS.set(url.href, (hub = new AcsHub(url)));
  const owner = hub;
  await owner.open();
  let waiter!: Waiter;
  const response = new Promise<string>((resolve, reject) => {
    waiter = { resolve, reject };
  });
  response.catch(() => undefined);
  owner.waiters.set(requestId, waiter);
  const end = (error: Error | null) => {
    clearTimeout(timer);
    if (owner.waiters.get(requestId) === waiter) {
      owner.waiters.delete(requestId);
      if (error) waiter.reject(error);
    }
    owner.closeIfIdle();
  };
  const timer = setTimeout(
    () =>
      end(new ApiError('UNAUTHENTICATED', `No answer from the IdP within ${Math.round(deadlineMs / 1000)} s. Start the sign-in again.`)),
    deadlineMs,
  );
  timer.unref();
  void response.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  return { response, close: () => end(new ApiError('UNAUTHENTICATED', 'The sign-in was cancelled.')) };
}
