/**
 * An OpenAI-compatible chat completions server for tests, on 127.0.0.1 over HTTPS, with a CA and a
 * server certificate made at test time (keys from node:crypto, certificates from node-forge). It
 * records every request (headers and body) so a test can assert on exactly what left, and answers
 * with a canned completion that repeats the pseudonyms it found in the prompt, so mapping back is
 * tested. Modes: ok, slow (never answers in time), error (HTTP 500 with a message), unauthorized
 * (HTTP 401 quoting the key it was given, as careless servers do), malformed (not JSON), no-choices;
 * `untrusted: true` serves a certificate from another CA.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export type LlmMode = 'ok' | 'slow' | 'error' | 'unauthorized' | 'malformed' | 'no-choices';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TestLlmServer {
  /** https://127.0.0.1:PORT (no path: the client adds /v1/chat/completions). */
  url: string;
  /** PEM of the CA that signed the server's certificate (the "site CA"). */
  caPem: string;
  requests: RecordedRequest[];
  mode: LlmMode;
  close(): Promise<void>;
}

interface Issued {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.PrivateKey;
}

function newKeys(): { keyPem: string; key: forge.pki.PrivateKey; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    keyPem,
    key: forge.pki.privateKeyFromPem(keyPem),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function certificate(subject: string, keys: ReturnType<typeof newKeys>, issuer: Issued | null, serial: string): Issued {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{ name: 'commonName', value: subject }]);
  cert.setExtensions(
    issuer
      ? [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
        ]
      : [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ],
  );
  cert.sign((issuer?.key ?? keys.key) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem, cert, key: keys.key };
}

/** A CA and a server certificate for 127.0.0.1 it issued. */
export function testPki(name = 'Test Site CA'): { caPem: string; certPem: string; keyPem: string } {
  const ca = certificate(name, newKeys(), null, '01');
  const server = certificate('127.0.0.1', newKeys(), ca, '02');
  return { caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}

/** The pseudonym shape of src/redact (kind-hex), e.g. host-7f3a2c. */
const PSEUDONYM = /\b[a-z][a-z0-9-]{0,31}-[0-9a-f]{6,64}\b/g;

function completion(prompt: string, model: string): string {
  const tokens = [...new Set(prompt.match(PSEUDONYM) ?? [])].slice(0, 12);
  const content = `Summary: the task ran. It mentions ${tokens.length ? tokens.join(', ') : 'no pseudonyms'}. Next step: check those systems.`;
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

export async function startLlmServer(options: { mode?: LlmMode; untrusted?: boolean } = {}): Promise<TestLlmServer> {
  const site = testPki();
  // The wrong-certificate case: the server presents a certificate another CA issued.
  const served = options.untrusted ? testPki('Some Other CA') : site;
  const requests: RecordedRequest[] = [];
  const state = { mode: options.mode ?? 'ok' };
  const server: Server = createServer({ key: served.keyPem, cert: served.certPem, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      switch (state.mode) {
        case 'slow':
          return; // never answers; the client's deadline ends it
        case 'error':
          return send(500, JSON.stringify({ error: { message: 'model worker crashed: CUDA out of memory', type: 'server_error' } }));
        case 'unauthorized':
          return send(401, JSON.stringify({ error: { message: `invalid api key: ${String(req.headers.authorization ?? '')}` } }));
        case 'malformed':
          return send(200, '{"choices": [ this is not json');
        case 'no-choices':
          return send(200, JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] }));
        case 'ok': {
          let parsed: { model?: string; messages?: Array<{ role?: string; content?: string }> };
          try {
            parsed = JSON.parse(body) as typeof parsed;
          } catch {
            return send(400, JSON.stringify({ error: { message: 'request body is not JSON' } }));
          }
          // Pseudonyms of the run's data (the user message), not the system message's examples.
          const user = (parsed.messages ?? []).filter((m) => m.role === 'user');
          return send(200, completion(user.map((m) => m.content ?? '').join('\n'), parsed.model ?? ''));
        }
      }
    });
  });
  const sockets = new Set<import('node:stream').Duplex>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A failed handshake (the client refusing our certificate) is expected in some tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: site.caPem,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(mode: LlmMode) {
      state.mode = mode;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
