/**
 * HTTP(S) for registry sources, with the transport rules of THREAT_MODEL.md pinned in code:
 * TLS 1.2 or newer, certificate checks always on (optionally against the site's CA only), plain HTTP
 * only where the policy allows it (loopback, or a source marked insecure). Redirects are followed
 * by hand so each hop is checked against the same rules and the Authorization header never goes to
 * another origin. Every read has a deadline (THREAT_MODEL.md, "A slow or stalled mirror"): connect,
 * headers, silence while a body arrives, and the whole document or blob, so a registry that answers
 * a byte every few seconds fails the request with a message naming the registry and what stalled.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ApiError } from '../kernel';

export interface HttpClientOptions {
  /** PEM bundle of the site's CA(s). When given it REPLACES the public roots: only site-issued certificates pass. */
  ca?: string | Buffer;
  /** May this URL be fetched over plain HTTP? */
  allowPlainHttp: (url: URL) => boolean;
  /** Deadlines (each in ms); defaults in DEFAULT_HTTP_DEADLINES. */
  deadlines?: Partial<HttpDeadlines>;
}

/** How long each part of a request may take, in ms; the settings behind each are in ./settings. */
export interface HttpDeadlines {
  /** The TCP connection. */
  connectMs: number;
  /** From the request to the status line and headers (the TLS handshake included). */
  headersMs: number;
  /** The longest silence while a body arrives. */
  idleMs: number;
  /** A whole manifest, index, listing or token answer: request to last byte. */
  documentMs: number;
  /** A whole blob: request to last byte. */
  blobMs: number;
}

export const DEFAULT_HTTP_DEADLINES: HttpDeadlines = {
  connectMs: 10_000,
  headersMs: 30_000,
  idleMs: 30_000,
  documentMs: 60_000,
  blobMs: 3_600_000,
};

/** The setting behind each deadline, named in the error so an admin knows what to raise. */
const DEADLINE_SETTINGS: Record<keyof HttpDeadlines, string> = {
  connectMs: 'mirror.connectTimeoutSeconds',
  headersMs: 'mirror.headerTimeoutSeconds',
  idleMs: 'mirror.idleTimeoutSeconds',
  documentMs: 'mirror.manifestTimeoutSeconds',
  blobMs: 'mirror.blobTimeoutSeconds',
};

export interface RequestInit {
  headers?: Record<string, string>;
  /** Sent only to the origin of the first URL. */
  authorization?: string;
  signal?: AbortSignal;
  maxRedirects?: number;
  /** What is fetched, for messages: "the manifest of samples/x:1.0.0". */
  what?: string;
  /** A blob gets the blob deadline; anything else the document deadline. */
  transfer?: 'document' | 'blob';
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered (after redirects). */
  url: URL;
  body: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

/** The server answered a TLS ClientHello with something that is not TLS (usually plain HTTP). */
export function isNotTlsError(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const text = `${e.code ?? ''} ${e.message ?? ''} ${e.cause?.code ?? ''} ${e.cause?.message ?? ''}`;
  if (OLD_TLS.test(text) || /alert/i.test(text)) return false; // a TLS alert means the server does speak TLS
  return (
    /WRONG_VERSION_NUMBER|wrong version number|packet length too long|unknown protocol|http request/i.test(text) && !CERT_ERRORS.test(text)
  );
}

const OLD_TLS = /alert protocol version|unsupported protocol|no protocols available|UNSUPPORTED_PROTOCOL/i;

function networkError(error: unknown, url: URL): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: string; name?: string };
  const where = url.host;
  const code = e.code ?? '';
  if (CERT_ERRORS.test(code)) {
    return new ApiError(
      'VERIFY_FAILED',
      `The TLS certificate of ${where} could not be verified (${code}). Add the site's CA file to the mirror source, or fix the registry's certificate.`,
      { cause: error },
    );
  }
  const text = `${(error as Error).message ?? ''}`;
  if (OLD_TLS.test(`${code} ${text}`)) {
    return new ApiError(
      'VERIFY_FAILED',
      `${where} offers only TLS versions older than 1.2, which are refused. Ask the registry admin to enable TLS 1.2 or 1.3.`,
      { cause: error },
    );
  }
  if (isNotTlsError(error)) {
    return new ApiError(
      'INVALID_INPUT',
      `${where} does not speak HTTPS. Use its HTTPS address, or mark the source insecure to allow plain HTTP (this is recorded).`,
      { cause: error },
    );
  }
  if (e.name === 'AbortError' || code === 'ABORT_ERR')
    return new ApiError('INTERNAL', `The transfer from ${where} was cancelled.`, { cause: error });
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET')
    return new ApiError('NOT_FOUND', `The connection to ${where} broke or timed out (${code}). Check the network and try again.`, {
      cause: error,
    });
  return new ApiError(
    'NOT_FOUND',
    `Cannot reach the registry at ${where}${code ? ` (${code})` : ''}. Check the address and that the registry is running.`,
    { cause: error },
  );
}

export class HttpClient {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly deadlines: HttpDeadlines;

  constructor(private readonly options: HttpClientOptions) {
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    this.deadlines = { ...DEFAULT_HTTP_DEADLINES, ...options.deadlines };
  }

  private checkTransport(url: URL): void {
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && this.options.allowPlainHttp(url)) return;
    if (url.protocol === 'http:') {
      throw new ApiError(
        'INVALID_INPUT',
        `Refusing plain HTTP to ${url.host}: only loopback addresses or sources marked insecure may use it. Use HTTPS with the site's CA.`,
      );
    }
    throw new ApiError('INVALID_INPUT', `Refusing the URL scheme ${url.protocol} from ${url.host}.`);
  }

  private stalled(url: URL, what: string, which: keyof HttpDeadlines): ApiError {
    const seconds = this.deadlines[which] / 1000;
    const where = `The registry at ${url.host}`;
    const phase: Record<keyof HttpDeadlines, string> = {
      connectMs: `${where} did not accept a connection within ${seconds} s`,
      headersMs: `${where} sent no answer to the request for ${what} within ${seconds} s`,
      idleMs: `${where} stalled: ${what} stopped arriving (no data for ${seconds} s)`,
      documentMs: `${where} is too slow: ${what} did not arrive in full within ${seconds} s`,
      blobMs: `${where} is too slow: ${what} did not arrive in full within ${seconds} s`,
    };
    return new ApiError(
      'NOT_FOUND',
      `${phase[which]} (setting ${DEADLINE_SETTINGS[which]}). Check the registry and the network, or have an admin raise the setting.`,
    );
  }

  private once(method: string, url: URL, headers: Record<string, string>, init: RequestInit, deadlineAt: number): Promise<IncomingMessage> {
    this.checkTransport(url);
    const secure = url.protocol === 'https:';
    const send = secure ? https.request : http.request;
    const what = init.what ?? `${url.pathname}`;
    const total = init.transfer === 'blob' ? 'blobMs' : 'documentMs';
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = send(url, {
        method,
        headers: { 'user-agent': 'airgap-runner', ...headers },
        agent: secure ? this.httpsAgent : this.httpAgent,
        ...(init.signal ? { signal: init.signal } : {}),
        ...(secure ? { minVersion: 'TLSv1.2', rejectUnauthorized: true } : {}),
      });
      let response: IncomingMessage | undefined;
      // Kept here: a keep-alive response has already given its socket back to the pool (and
      // forgotten it) when it ends, and the idle watch must come off that socket before its next use.
      let watched: IncomingMessage['socket'] | undefined;
      const timers = new Set<NodeJS.Timeout>();
      const after = (ms: number, which: keyof HttpDeadlines): NodeJS.Timeout => {
        const timer = setTimeout(() => fail(this.stalled(url, what, which)), Math.max(0, ms));
        timers.add(timer);
        return timer;
      };
      const onIdle = () => fail(this.stalled(url, what, 'idleMs'));
      const done = () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        if (watched) {
          watched.off('timeout', onIdle);
          watched.setTimeout(0);
          watched = undefined;
        }
      };
      // The body may be read later (or never): its error is kept by the stream for the reader.
      const fail = (error: ApiError) => {
        done();
        if (response) response.destroy(error);
        else request.destroy(error);
      };
      after(deadlineAt - Date.now(), total);
      const headersTimer = after(this.deadlines.headersMs, 'headersMs');
      let connectTimer: NodeJS.Timeout | undefined;
      request.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = after(this.deadlines.connectMs, 'connectMs');
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      request.on('response', (answer) => {
        response = answer;
        answer.on('error', () => undefined);
        answer.once('end', done);
        answer.once('close', done);
        clearTimeout(headersTimer);
        clearTimeout(connectTimer);
        watched = answer.socket ?? undefined;
        watched?.setTimeout(this.deadlines.idleMs);
        watched?.on('timeout', onIdle);
        resolve(answer);
      });
      request.on('error', (error) => {
        done();
        reject(networkError(error, url));
      });
      request.end();
    });
  }

  async request(method: string, url: URL, init: RequestInit = {}): Promise<HttpResponse> {
    const origin = url.origin;
    let current = url;
    let currentMethod = method;
    // One deadline for the whole transfer, redirects included.
    const deadlineAt = Date.now() + (init.transfer === 'blob' ? this.deadlines.blobMs : this.deadlines.documentMs);
    for (let hop = 0; ; hop++) {
      const headers = { ...(init.headers ?? {}) };
      if (init.authorization && current.origin === origin) headers.authorization = init.authorization;
      const response = await this.once(currentMethod, current, headers, init, deadlineAt);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || !location) {
        return { status: response.statusCode ?? 0, headers: response.headers, url: current, body: response };
      }
      response.resume();
      if (hop >= (init.maxRedirects ?? 5))
        throw new ApiError('INTERNAL', `${url.host} redirected too many times. Check the registry's configuration.`);
      const next = new URL(location, current);
      if (current.protocol === 'https:' && next.protocol !== 'https:') {
        throw new ApiError(
          'VERIFY_FAILED',
          `${current.host} redirected from HTTPS to plain HTTP (${next.host}); refused. Fix the registry's storage redirect.`,
        );
      }
      if (response.statusCode === 303) currentMethod = 'GET';
      current = next;
    }
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

/** Reads a whole body, refusing more than `maxBytes` (by Content-Length first, then while reading). */
export async function readCapped(response: HttpResponse, maxBytes: number, tooBig: () => ApiError): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw tooBig();
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      response.body.destroy();
      throw tooBig();
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/** Throws away a body we do not need, so the connection can be reused. */
export async function drain(response: HttpResponse, limit = 64 * 1024): Promise<Buffer> {
  try {
    return await readCapped(response, limit, () => new ApiError('INTERNAL', 'An error response was too long.'));
  } catch {
    return Buffer.alloc(0);
  }
}
