/**
 * "Summarise this run" end to end on a real encrypted store, through the dispatcher and the real
 * CLI, against an OpenAI-compatible HTTPS server on 127.0.0.1 with a site CA made for the test
 * (test/helpers/llm-server.ts). The run's issues, report and log hold one example of every
 * detector, the vault's values and a sensitive configuration value: the server must receive none
 * of them, the API key only in the Authorization header, and the answer shown here must have the
 * pseudonyms mapped back. Failures (timeout, HTTP 500, a certificate from another CA) give clear
 * errors and are recorded; switched off, it says an admin must enable it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Core } from '../../../src/api/core';
import { addUser, as, initialisedCore, rejects, ADMIN_PASSWORD } from '../../helpers/core';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorLine, type CliResult } from '../../helpers/cli';
import { startLlmServer, type TestLlmServer } from '../../helpers/llm-server';
import { SEEDED, SITE_DOMAINS, SITE_PATTERN, VAULT_VALUES, leaks } from '../../unit/redact/seeded';
import { seedRun } from './fixture';

const API_KEY = 'sk-site-llm-0c7e5a9b2d41f6e3';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The real CLI as a separate process, without blocking this one: the test's LLM server lives in
 * this process's event loop and must be able to answer while the CLI waits.
 */
function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('AIRGAP_RUNNER_')) delete clean[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

type Env = Awaited<ReturnType<typeof initialisedCore>>;

function lastEvent(core: Core, action: string): { outcome: string; target: string | null; details: string } {
  return core.store.db
    .prepare('SELECT outcome, target, details FROM audit_events WHERE action = ? ORDER BY seq DESC LIMIT 1')
    .get(action) as {
    outcome: string;
    target: string | null;
    details: string;
  };
}

/** Everything a request carried except the Authorization header. */
function exceptAuthorization(r: TestLlmServer['requests'][number]): string {
  const { authorization: _omitted, ...headers } = r.headers;
  return `${r.method} ${r.url}\n${JSON.stringify(headers)}\n${r.body}`;
}

describe('runs.summarise through the site LLM endpoint', { timeout: 180_000 }, () => {
  let env: Env;
  let server: TestLlmServer;
  let operator: ReturnType<typeof as>;
  let admin: ReturnType<typeof as>;
  let viewer: ReturnType<typeof as>;
  let runId: string;
  const operatorPassword = 'operator-password-123';

  before(async () => {
    env = await initialisedCore();
    server = await startLlmServer();
    admin = as(env.core, env.admin);
    operator = as(env.core, (await addUser(env.core, env.admin, 'op', ['operator'], operatorPassword)).session);
    viewer = as(env.core, (await addUser(env.core, env.admin, 'vi', ['viewer'])).session);
    for (const [name, value] of [
      ['kubeconfig', VAULT_VALUES[0]!],
      ['kubeconfig-2', VAULT_VALUES[1]!],
      ['llm-key', API_KEY],
    ] as const) {
      await operator('vault.add', { name, value: Buffer.from(value).toString('base64') });
    }
    await admin('settings.set', { key: 'redact.siteDomains', value: SITE_DOMAINS });
    await admin('redact.patterns.add', SITE_PATTERN);
    await admin('vault.purpose', { name: 'llm-key', purpose: 'llm', bound: true });
    runId = seedRun(env.core);
  });

  after(async () => {
    await server.close();
    await env.cleanup();
  });

  async function configure(): Promise<void> {
    for (const [key, value] of [
      ['llm.endpoint', server.url],
      ['llm.model', 'site-model-7b'],
      ['llm.caCertificate', server.caPem],
      ['llm.apiKeyVaultItem', 'llm-key'],
      ['llm.timeoutSeconds', 60],
      ['llm.enabled', true],
    ] as const) {
      await admin('settings.set', { key, value });
    }
  }

  test('switched off by default: a clear refusal that names the settings, nothing sent', async () => {
    const message = await rejects(operator('runs.summarise', { id: runId }), 'POLICY_DENIED');
    assert.match(message, /switched off.*An admin must enable and configure them in Settings/);
    await rejects(operator('runs.summarisePreview', { id: runId }), 'POLICY_DENIED');
    assert.equal(server.requests.length, 0);
    assert.equal(lastEvent(env.core, 'runs.summarise').outcome, 'failure');
  });

  test('settings refuse plain http and a non-PEM CA', async () => {
    await rejects(admin('settings.set', { key: 'llm.endpoint', value: server.url.replace('https:', 'http:') }), 'INVALID_INPUT');
    await rejects(admin('settings.set', { key: 'llm.caCertificate', value: 'not a certificate' }), 'INVALID_INPUT');
  });

  test('the preview shows exactly what would leave, marks each replacement, and sends nothing', async () => {
    await configure();
    const preview = await operator('runs.summarisePreview', { id: runId });
    assert.equal(server.requests.length, 0);
    assert.deepEqual(leaks(preview.prompt), []);
    assert.ok(preview.marks.length >= SEEDED.length - 4, `only ${preview.marks.length} marks`);
    for (const m of preview.marks) assert.ok(m.end <= preview.prompt.length && m.start <= m.end);
    assert.ok(Object.values(preview.replacementCounts).reduce((a, b) => a + b, 0) >= preview.marks.length);
  });

  test('the server receives none of the seeded values, the key only in Authorization; the answer is mapped back', async () => {
    const preview = await operator('runs.summarisePreview', { id: runId });
    const summary = await operator('runs.summarise', { id: runId });
    assert.equal(server.requests.length, 1);
    const request = server.requests[0]!;
    assert.equal(request.url, '/v1/chat/completions');
    assert.deepEqual(leaks(exceptAuthorization(request)), [], 'seeded values reached the endpoint');
    for (const v of VAULT_VALUES) assert.ok(!request.body.includes(v.trim()));
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.ok(!exceptAuthorization(request).includes(API_KEY), 'the API key went somewhere besides Authorization');

    const body = JSON.parse(request.body) as { model: string; messages: Array<{ role: string; content: string }>; max_tokens: number };
    assert.equal(body.model, 'site-model-7b');
    assert.equal(body.messages[1]!.content, summary.prompt, 'the stored prompt is exactly what was sent');
    assert.equal(summary.prompt, preview.prompt, 'the preview showed exactly what was sent');

    assert.equal(summary.status, 'ok');
    assert.deepEqual(leaks(summary.answerAsReceived ?? ''), []);
    const mappedBack = SEEDED.filter((s) => summary.answer!.includes(s.value)).map((s) => s.rule);
    assert.ok(mappedBack.length >= 3, `the answer should show originals again, shows: ${mappedBack.join(', ')}\n${summary.answer}`);
    assert.notEqual(summary.answer, summary.answerAsReceived);

    const event = lastEvent(env.core, 'runs.summarise');
    assert.equal(event.outcome, 'success');
    assert.equal(event.target, `run:${runId}`);
    const details = JSON.parse(event.details) as Record<string, unknown>;
    assert.equal(details.run, runId);
    assert.equal(details.summary, summary.id);
    assert.equal(details.endpointHost, new URL(server.url).host);
    assert.equal(details.model, 'site-model-7b');
    assert.equal(details.promptSha256, sha256(summary.prompt));
    assert.equal(details.answerSha256, sha256(summary.answerAsReceived!));
    assert.equal(typeof details.ruleSet, 'string');
    assert.deepEqual(details.replacements, summary.replacementCounts);
    assert.deepEqual(leaks(event.details), [], 'the audit event holds a seeded value');
    assert.ok(!event.details.includes(API_KEY));

    // Viewers read summaries (with the prompt that left); they may not send one.
    const listed = await viewer('runs.summaries', { id: runId });
    assert.equal(listed.summaries[0]!.id, summary.id);
    assert.equal(listed.summaries[0]!.answer, summary.answer);
    assert.equal(listed.summaries[0]!.prompt, summary.prompt);
    await rejects(viewer('runs.summarise', { id: runId }), 'FORBIDDEN');
  });

  test('a timeout and an HTTP 500 give clear errors and are recorded as failed summaries', async () => {
    await admin('settings.set', { key: 'llm.timeoutSeconds', value: 1 });
    server.mode = 'slow';
    const slow = await rejects(operator('runs.summarise', { id: runId }), 'NOT_FOUND');
    assert.match(slow, /did not answer within 1 s.*llm\.timeoutSeconds/);
    let event = lastEvent(env.core, 'runs.summarise');
    assert.equal(event.outcome, 'failure');
    assert.match(event.details, /"error":"NOT_FOUND"/);
    assert.match(event.details, /"summary":"s-/);

    server.mode = 'error';
    const failed = await rejects(operator('runs.summarise', { id: runId }), 'NOT_FOUND');
    assert.match(failed, /HTTP 500: "model worker crashed/);
    event = lastEvent(env.core, 'runs.summarise');
    assert.equal(event.outcome, 'failure');

    const [last, previous] = (await operator('runs.summaries', { id: runId })).summaries;
    assert.equal(last!.status, 'error');
    assert.match(last!.error!, /HTTP 500/);
    assert.equal(previous!.status, 'error');
    assert.match(previous!.error!, /did not answer/);
    assert.equal(last!.answer, null);
    assert.deepEqual(leaks(last!.prompt), []);
    server.mode = 'ok';
    await admin('settings.set', { key: 'llm.timeoutSeconds', value: 60 });
  });

  test('a certificate the site CA did not issue: refused, nothing received, recorded', async () => {
    const other = await startLlmServer({ untrusted: true });
    try {
      await admin('settings.set', { key: 'llm.endpoint', value: other.url });
      const message = await rejects(operator('runs.summarise', { id: runId }), 'VERIFY_FAILED');
      assert.match(message, /not trusted by the site CA.*llm\.caCertificate/);
      assert.equal(other.requests.length, 0);
      assert.equal(lastEvent(env.core, 'runs.summarise').outcome, 'failure');
    } finally {
      await admin('settings.set', { key: 'llm.endpoint', value: server.url });
      await other.close();
    }
  });

  test('the CLI: runs summarise prints the answer mapped back and, with --show-prompt, what was sent', async () => {
    await env.core.close();
    const base = { AIRGAP_RUNNER_HOME: env.home, AIRGAP_RUNNER_USER: 'op', AIRGAP_RUNNER_PASSWORD: operatorPassword };
    const before = server.requests.length;
    const out = await cli(['runs', 'summarise', runId, '--show-prompt'], base);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(server.requests.length, before + 1);
    const sent = (JSON.parse(server.requests[before]!.body) as { messages: Array<{ content: string }> }).messages[1]!.content;
    const [promptPart, answerPart] = out.stdout.split('--- answer (pseudonyms mapped back on this workstation) ---');
    assert.ok(promptPart!.includes(sent.split('\n')[0]!));
    assert.deepEqual(leaks(promptPart!), []);
    assert.ok(
      SEEDED.some((s) => answerPart!.includes(s.value)),
      answerPart,
    );
    assert.deepEqual(leaks(sent), []);

    const listed = await cli(['runs', 'summaries', runId], base);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /ok/);
    assert.match(listed.stdout, /error/);

    const asAdmin = await cli(['runs', 'summarise', runId], {
      ...base,
      AIRGAP_RUNNER_USER: 'admin',
      AIRGAP_RUNNER_PASSWORD: ADMIN_PASSWORD,
    });
    assert.equal(asAdmin.code, 0, `admins may summarise too: ${asAdmin.stderr}`);
    const noSuchRun = await cli(['runs', 'summarise', 'r-aaaaaaaaaa'], base);
    assert.equal(errorLine(noSuchRun)?.code, 'NOT_FOUND');
  });
});
