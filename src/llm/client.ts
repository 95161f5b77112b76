/**
 * An OpenAI-compatible chat completions client for the site's own language model (vLLM, Ollama,
 * llama.cpp server and others speak it). Transport rules pinned in code (THREAT_MODEL.md, "a network
 * attacker on the site's LAN"): HTTPS only, TLS 1.2 or newer, and the site's CA as the ONLY trust
 * anchor (the public roots are not consulted). No redirects are followed, so the API key never goes
 * to another address. The API key is sent in the Authorization header and nowhere else; every error
 * text that could hold it (the endpoint's own error message) is masked before it leaves this file.
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../kernel';
import { Masker } from '../redact';
import { displayLine } from '../runner';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
}

export interface ChatTransport {
  /** The full chat completions URL (https). */
  url: URL;
  /** PEM of the site's CA certificate(s): the only certificates trusted for this endpoint. */
  caPem: string;
  /** The API key, or null when the endpoint needs none. Goes in the Authorization header only. */
  apiKey: Buffer | null;
  timeoutMs: number;
  /** Largest answer body accepted. */
  maxResponseBytes: number;
}

export interface ChatAnswer {
  content: string;
  /** The model the endpoint says answered (may differ from the one asked for). */
  model: string;
  finishReason: string | null;
}

/** How much of the endpoint's own error message is quoted back. */
const ERROR_QUOTE_CHARS = 300;
export const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/;
const OLD_TLS =
  /alert protocol version|unsupported protocol|no protocols available|UNSUPPORTED_PROTOCOL|WRONG_VERSION_NUMBER|wrong version number/i;

/** Turns a socket-level failure into an error that says what to do. Error codes: see docs/llm.md. */
function transportError(error: unknown, url: URL, timeoutMs: number): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: string; message?: string };
  const code = e.code ?? '';
  const where = url.host;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ApiError(
      'VERIFY_FAILED',
      `The certificate of the LLM endpoint ${where} does not name that host (${code}). Use the host name the certificate was issued for in llm.endpoint, or have the site CA issue a certificate for ${url.hostname}.`,
      { cause: error },
    );
  }
  if (CERT_ERRORS.test(code)) {
    return new ApiError(
      'VERIFY_FAILED',
      `The certificate of the LLM endpoint ${where} is not trusted by the site CA in llm.caCertificate (${code}). Paste the CA that issued the endpoint's certificate into Settings (llm.caCertificate), or have the endpoint's certificate issued by the site CA. Nothing was sent.`,
      { cause: error },
    );
  }
  if (OLD_TLS.test(`${code} ${e.message ?? ''}`)) {
    return new ApiError(
      'VERIFY_FAILED',
      `The LLM endpoint ${where} does not offer TLS 1.2 or newer (or does not speak HTTPS at all). Ask its admin to serve HTTPS with TLS 1.2 or 1.3. Nothing was sent.`,
      { cause: error },
    );
  }
  if (code === 'ETIMEDOUT') {
    return new ApiError(
      'NOT_FOUND',
      `The LLM endpoint ${where} did not answer within ${timeoutMs % 1000 === 0 ? timeoutMs / 1000 : (timeoutMs / 1000).toFixed(1)} s. Try again, ask its admin whether the model is overloaded, or raise llm.timeoutSeconds.`,
      { cause: error },
    );
  }
  return new ApiError(
    'NOT_FOUND',
    `Cannot reach the LLM endpoint at ${where}${code ? ` (${code})` : ''}. Check llm.endpoint in Settings and that the endpoint is running.`,
    { cause: error },
  );
}

/** The endpoint's own error text, shortened, with terminal controls shown as text and the API key masked. */
function quoteEndpointError(body: Buffer, masker: Masker): string {
  let text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const candidate = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message ?? parsed.detail);
    if (typeof candidate === 'string') text = candidate;
  } catch {
    // Not JSON: quote the text as it came.
  }
  const masked = displayLine(masker.mask(text).replace(/\s+/g, ' ').trim());
  return masked.length > ERROR_QUOTE_CHARS ? `${masked.slice(0, ERROR_QUOTE_CHARS)}…` : masked;
}

function statusError(status: number, url: URL, quoted: string): ApiError {
  const said = quoted ? `: "${quoted}"` : '';
  const where = url.host;
  if (status === 401 || status === 403) {
    return new ApiError(
      'VERIFY_FAILED',
      `The LLM endpoint ${where} refused the API key (HTTP ${status})${said}. Check the vault item named in llm.apiKeyVaultItem.`,
    );
  }
  if (status === 404) {
    return new ApiError(
      'NOT_FOUND',
      `The LLM endpoint ${where} has no such path or model (HTTP 404)${said}. Check llm.endpoint and llm.model.`,
    );
  }
  if (status >= 300 && status < 400) {
    return new ApiError(
      'VERIFY_FAILED',
      `The LLM endpoint ${where} answered with a redirect (HTTP ${status}); redirects are not followed. Put the final address in llm.endpoint.`,
    );
  }
  return new ApiError(
    'NOT_FOUND',
    `The LLM endpoint ${where} answered HTTP ${status}${said}. Try again later, or ask the endpoint's admin.`,
  );
}

function malformed(url: URL, what: string): ApiError {
  return new ApiError(
    'VERIFY_FAILED',
    `The LLM endpoint ${url.host} sent ${what}; it does not look like an OpenAI-compatible chat completions answer. Check llm.endpoint.`,
  );
}

/** Reads a body up to `max` bytes; null when it is longer (the socket is destroyed). */
async function readUpTo(response: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    response.destroy();
    return null;
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      response.destroy();
      return null;
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

function parseAnswer(body: Buffer, url: URL): ChatAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw malformed(url, 'an answer that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw malformed(url, 'an answer that is not a JSON object');
  const answer = parsed as { choices?: unknown; model?: unknown };
  if (!Array.isArray(answer.choices) || answer.choices.length === 0) throw malformed(url, 'an answer with no choices');
  const first = answer.choices[0] as { message?: { content?: unknown }; finish_reason?: unknown } | null;
  const content = first?.message?.content;
  if (typeof content !== 'string') throw malformed(url, 'a first choice with no message text');
  return {
    content,
    model: typeof answer.model === 'string' ? answer.model.slice(0, 200) : '',
    finishReason: typeof first?.finish_reason === 'string' ? first.finish_reason.slice(0, 50) : null,
  };
}

/** The Authorization header value; refuses a key that would break the header (without quoting it). */
function bearer(apiKey: Buffer): string {
  const key = apiKey.toString('utf8').trim();
  if (key.length === 0)
    throw new ApiError(
      'INVALID_INPUT',
      'The vault item named in llm.apiKeyVaultItem is empty. Replace it with the API key, or clear the setting if the endpoint needs no key.',
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new ApiError(
      'INVALID_INPUT',
      'The API key in the vault item named in llm.apiKeyVaultItem holds a line break or control character. Replace it with the key alone on one line.',
    );
  }
  return `Bearer ${key}`;
}

/** Sends one chat completion request and returns the first choice's text. */
export async function chatCompletion(transport: ChatTransport, request: ChatRequest): Promise<ChatAnswer> {
  const { url } = transport;
  if (url.protocol !== 'https:') {
    throw new ApiError(
      'INVALID_INPUT',
      `The LLM endpoint must be an https:// address (got ${url.protocol}). Set llm.endpoint to the endpoint's HTTPS address.`,
    );
  }
  const masker = new Masker(transport.apiKey ? [transport.apiKey] : []);
  const body = Buffer.from(
    JSON.stringify({
      model: request.model,
      messages: request.messages,
      temperature: request.temperature,
      max_tokens: request.maxTokens,
      stream: false,
    }),
    'utf8',
  );
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'content-length': body.length,
    'user-agent': 'airgap-runner',
  };
  if (transport.apiKey) headers.authorization = bearer(transport.apiKey);

  // One deadline for the whole exchange, not only socket inactivity: a model that sends a byte
  // a minute must still end within the setting.
  let timedOut = false;
  let outgoing: ReturnType<typeof https.request> | null = null;
  const timer = setTimeout(() => {
    timedOut = true;
    outgoing?.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
  }, transport.timeoutMs);
  const fail = (error: unknown) =>
    transportError(timedOut ? Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }) : error, url, transport.timeoutMs);
  let response: IncomingMessage;
  let raw: Buffer | null;
  try {
    response = await new Promise<IncomingMessage>((resolve, reject) => {
      const sending = https.request(url, {
        method: 'POST',
        headers,
        agent: false,
        ca: transport.caPem,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
      });
      outgoing = sending;
      sending.on('response', resolve);
      sending.on('error', reject);
      sending.end(body);
    });
    raw = await readUpTo(response, transport.maxResponseBytes);
  } catch (error) {
    throw fail(error);
  } finally {
    clearTimeout(timer);
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) throw statusError(status, url, raw ? quoteEndpointError(raw, masker) : '');
  if (raw === null) throw malformed(url, `an answer larger than ${transport.maxResponseBytes} bytes`);
  return parseAnswer(raw, url);
}
