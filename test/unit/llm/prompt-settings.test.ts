/** The prompt's bounds and the LLM settings' checks (what an admin must set, what is refused). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { SETTINGS } from '../../../src/api/settings';
import { buildPrompt, llmConfig, PROMPT_LIMITS } from '../../../src/llm';
import type { RunRecord } from '../../../src/runner/records';
import { testPki } from '../../helpers/llm-server';

// Cast: the record grows fields (purge marks) the prompt does not read.
const RUN = {
  id: 'r-aaaaaaaaaa',
  bundle: { name: 'b', version: '1.0.0', digest: 'sha256:x' },
  imageId: 'sha256:y',
  task: { id: 't', title: 'Title \u001b[31mred', access: 'read-only' },
  startedBy: 'op',
  reason: null,
  config: { values: {}, files: {}, secrets: {} },
  state: 'finished',
  outcome: 'failed',
  approvalRequired: false,
  approvedBy: null,
  approvedAt: null,
  cancelRequestedBy: null,
  cancelRequestedAt: null,
  instanceId: null,
  createdAt: '2026-11-26T08:00:00Z',
  startedAt: null,
  endedAt: null,
  timeoutSeconds: 60,
  deadline: null,
  exitCode: 2,
  error: null,
  sandbox: null,
  issues: Array.from({ length: 150 }, (_, i) => ({
    severity: 2 as const,
    title: `issue ${i}`,
    expected: 'x'.repeat(5000),
    actual: '',
    reproduceHint: '',
    nextSteps: '',
    details: '',
    taskName: 't',
    observedAt: '',
  })),
  report: [{ obj: 'r'.repeat(40 * 1024), fmt: 'p', taskName: 't' }],
  warnings: [],
  log: { totalBytes: 0, keptBytes: 0, truncated: false },
} as unknown as RunRecord;

test('the prompt is bounded: issues, fields, report and log tail each capped; controls shown as text', () => {
  const lines = Array.from({ length: 200 }, (_, i) => ({ stream: i % 2 ? 'stderr' : 'stdout', text: `line ${i} ${'y'.repeat(300)}` }));
  const prompt = buildPrompt(RUN, { lines, total: 5000 });
  assert.match(prompt, /## Issues \(150, the first 100 shown\)/);
  assert.ok(!prompt.includes('issue 100'));
  assert.match(prompt, /\[…3000 more characters\]/);
  assert.match(prompt, /\[…1 more report blocks left out\]/);
  const log = prompt.slice(prompt.indexOf('## Log'));
  assert.match(log, /^## Log \(the last \d+ of 5000 lines\)/);
  assert.ok(log.length <= PROMPT_LIMITS.logChars + 100);
  assert.match(log, /line 199 /, 'the tail keeps the last line');
  assert.ok(!prompt.includes('\u001b'));
  assert.ok(prompt.length < 300 * 1024);
});

test('llmConfig: off by default; enabled but incomplete names what is missing; a damaged CA is named', () => {
  const defaults = Object.fromEntries(Object.entries(SETTINGS).map(([k, d]) => [k, d.default]));
  const refused = (settings: Record<string, unknown>, code: string, pattern: RegExp) =>
    assert.throws(
      () => llmConfig(settings),
      (e: unknown) => e instanceof ApiError && e.code === code && pattern.test(e.message),
    );
  refused(defaults, 'POLICY_DENIED', /switched off.*An admin must enable and configure them in Settings/);
  refused({ ...defaults, 'llm.enabled': true }, 'POLICY_DENIED', /llm\.endpoint.*llm\.model.*llm\.caCertificate/);
  const damaged = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----';
  refused(
    { ...defaults, 'llm.enabled': true, 'llm.endpoint': 'https://llm.site', 'llm.model': 'm', 'llm.caCertificate': damaged },
    'INVALID_INPUT',
    /Certificate 1 in llm\.caCertificate cannot be read/,
  );
  const ok = llmConfig({
    ...defaults,
    'llm.enabled': true,
    'llm.endpoint': 'https://llm.site:8443',
    'llm.model': 'm',
    'llm.caCertificate': testPki().caPem,
  });
  assert.equal(ok.url.toString(), 'https://llm.site:8443/v1/chat/completions');
  assert.equal(ok.timeoutMs, 60_000);
  assert.equal(ok.apiKeyVaultItem, null);
});

test('the settings schema refuses plain http, credentials in the URL, and text that is no PEM', () => {
  const endpoint = SETTINGS['llm.endpoint'].schema;
  assert.ok(endpoint.safeParse('https://llm.site:8443/v1').success);
  assert.ok(endpoint.safeParse('').success);
  for (const bad of ['http://llm.site', 'https://user:pw@llm.site', 'https://llm.site/?key=1', 'llm.site'])
    assert.ok(!endpoint.safeParse(bad).success, bad);
  assert.ok(!SETTINGS['llm.caCertificate'].schema.safeParse('hello').success);
  assert.ok(!SETTINGS['llm.apiKeyVaultItem'].schema.safeParse('Bad Name').success);
  assert.equal(SETTINGS['llm.enabled'].default, false);
});
