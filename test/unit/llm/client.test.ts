/**
 * The chat completions client against a real HTTPS server on 127.0.0.1 (test/helpers/llm-server.ts):
 * what it sends, where the API key goes, and a clear error for each way the endpoint can fail.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { chatCompletion, completionsUrl, type ChatRequest } from '../../../src/llm';
import { startLlmServer, type TestLlmServer } from '../../helpers/llm-server';

const KEY = 'sk-test-5f2b9c8e1d7a4b3c';
const REQUEST: ChatRequest = {
  model: 'site-model-7b',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'host-1a2b3c failed twice' },
  ],
  temperature: 0.2,
  maxTokens: 256,
};

const failed =
  (code: string, pattern: RegExp) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes(KEY), 'the API key must not appear in an error');
    return true;
  };

describe('chatCompletion', () => {
  let server: TestLlmServer;
  let untrusted: TestLlmServer;
  const transport = (s: TestLlmServer, extra: { timeoutMs?: number; maxResponseBytes?: number; caPem?: string } = {}) => ({
    url: completionsUrl(s.url),
    caPem: extra.caPem ?? s.caPem,
    apiKey: Buffer.from(`${KEY}\n`),
    timeoutMs: extra.timeoutMs ?? 5000,
    maxResponseBytes: extra.maxResponseBytes ?? 1024 * 1024,
  });

  before(async () => {
    server = await startLlmServer();
    untrusted = await startLlmServer({ untrusted: true });
  });
  after(async () => {
    await server.close();
    await untrusted.close();
  });

  test('posts model, messages, temperature and max_tokens to /v1/chat/completions; the key only in Authorization', async () => {
    server.mode = 'ok';
    const before = server.requests.length;
    const answer = await chatCompletion(transport(server), REQUEST);
    assert.match(answer.content, /host-1a2b3c/);
    assert.equal(answer.model, 'site-model-7b');
    const got = server.requests.slice(before);
    assert.equal(got.length, 1);
    const r = got[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/v1/chat/completions');
    assert.equal(r.headers.authorization, `Bearer ${KEY}`);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.deepEqual(body, { model: 'site-model-7b', messages: REQUEST.messages, temperature: 0.2, max_tokens: 256, stream: false });
    const elsewhere = JSON.stringify({ ...r.headers, authorization: undefined }) + r.body + r.url;
    assert.ok(!elsewhere.includes(KEY));
  });

  test('no key configured: no Authorization header at all', async () => {
    server.mode = 'ok';
    const before = server.requests.length;
    await chatCompletion({ ...transport(server), apiKey: null }, REQUEST);
    assert.equal(server.requests[before]!.headers.authorization, undefined);
  });

  test('a certificate the site CA did not issue: refused before anything is sent, saying what to do', async () => {
    const before = untrusted.requests.length;
    await assert.rejects(
      chatCompletion(transport(untrusted, { caPem: untrusted.caPem }), REQUEST),
      failed('VERIFY_FAILED', /not trusted by the site CA in llm\.caCertificate.*Nothing was sent/),
    );
    assert.equal(untrusted.requests.length, before);
  });

  test('only the configured CA counts: a certificate from any other CA is refused', async () => {
    // The other server's CA is a valid CA, just not the one configured: still refused.
    await assert.rejects(
      chatCompletion(transport(server, { caPem: untrusted.caPem }), REQUEST),
      failed('VERIFY_FAILED', /not trusted by the site CA/),
    );
  });

  test('plain http is refused', async () => {
    await assert.rejects(
      chatCompletion({ ...transport(server), url: new URL(server.url.replace('https:', 'http:')) }, REQUEST),
      failed('INVALID_INPUT', /https:\/\//),
    );
  });

  test('an endpoint that does not answer in time: a timeout that names the setting', async () => {
    server.mode = 'slow';
    const started = Date.now();
    await assert.rejects(
      chatCompletion(transport(server, { timeoutMs: 400 }), REQUEST),
      failed('NOT_FOUND', /did not answer within 0\.4 s.*llm\.timeoutSeconds/),
    );
    assert.ok(Date.now() - started < 3000);
    server.mode = 'ok';
  });

  test('HTTP 500: the status and the endpoint message, shortened', async () => {
    server.mode = 'error';
    await assert.rejects(
      chatCompletion(transport(server), REQUEST),
      failed('NOT_FOUND', /HTTP 500: "model worker crashed: CUDA out of memory"/),
    );
    server.mode = 'ok';
  });

  test('HTTP 401 that quotes the key back: the key is masked in the error', async () => {
    server.mode = 'unauthorized';
    await assert.rejects(
      chatCompletion(transport(server), REQUEST),
      failed('VERIFY_FAILED', /refused the API key \(HTTP 401\).*\[MASKED\].*llm\.apiKeyVaultItem/),
    );
    server.mode = 'ok';
  });

  test('malformed JSON, no choices, an over-long answer: each named', async () => {
    server.mode = 'malformed';
    await assert.rejects(chatCompletion(transport(server), REQUEST), failed('VERIFY_FAILED', /not JSON/));
    server.mode = 'no-choices';
    await assert.rejects(chatCompletion(transport(server), REQUEST), failed('VERIFY_FAILED', /no choices/));
    server.mode = 'ok';
    await assert.rejects(
      chatCompletion(transport(server, { maxResponseBytes: 64 }), REQUEST),
      failed('VERIFY_FAILED', /larger than 64 bytes/),
    );
  });

  test('nothing listening: cannot reach, check llm.endpoint', async () => {
    const closed = await startLlmServer();
    const url = closed.url;
    await closed.close();
    await assert.rejects(
      chatCompletion({ ...transport(server), url: completionsUrl(url) }, REQUEST),
      failed('NOT_FOUND', /Cannot reach the LLM endpoint.*ECONNREFUSED.*llm\.endpoint/),
    );
  });
});

test('completionsUrl: the base, a /v1 base, or the full path as given', () => {
  assert.equal(completionsUrl('https://llm.site:8443').toString(), 'https://llm.site:8443/v1/chat/completions');
  assert.equal(completionsUrl('https://llm.site/openai/').toString(), 'https://llm.site/openai/v1/chat/completions');
  assert.equal(completionsUrl('https://llm.site/v1').toString(), 'https://llm.site/v1/chat/completions');
  assert.equal(completionsUrl('https://llm.site/v1/chat/completions').toString(), 'https://llm.site/v1/chat/completions');
});
