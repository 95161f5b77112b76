/**
 * AI summaries in Chromium on a real core and encrypted store, against the test's OpenAI-compatible
 * HTTPS server on 127.0.0.1: an admin configures the endpoint in Settings, an operator previews the
 * redacted prompt on the run view (every replacement marked), sends it and reads the answer with
 * the real names back; a viewer reads it but is offered no button. The run is the seeded corpus of
 * test/unit/redact/seeded.ts: neither the preview nor what the server received holds a seeded value.
 * Screens saved in light and dark under test-results/screenshots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot, SCREENSHOTS } from './browser';
import { LlmSettingsCard, RunSummaryCard, SignInPage } from './pages';
import { dispatch } from '../../src/api/dispatcher';
import { addUser, as, signIn } from '../helpers/core';
import { startLlmServer, type TestLlmServer } from '../helpers/llm-server';
import { SEEDED, SITE_DOMAINS, SITE_PATTERN, VAULT_VALUES, leaks } from '../unit/redact/seeded';
import { seedRun } from '../integration/llm/fixture';

const ADMIN = { name: 'ada', password: 'ada keeps the keys safe' };
const API_KEY = 'sk-e2e-llm-4b1d9e7c3a2f';

describe('AI summaries in Chromium', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let server: TestLlmServer;
  let runId: string;
  const contexts: BrowserContext[] = [];
  const errors: string[][] = [];
  const users = { op: '', vi: '' };

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    server = await startLlmServer();
    console.log(`screenshots: ${SCREENSHOTS}`);
    const core = harness.core;
    await dispatch(core, null, 'system.init', { adminName: ADMIN.name, password: ADMIN.password });
    const admin = await signIn(core, ADMIN.name, ADMIN.password);
    users.op = (await addUser(core, admin, 'otto', ['operator'])).password;
    users.vi = (await addUser(core, admin, 'vic', ['viewer'])).password;
    const operator = as(core, await signIn(core, 'otto', users.op));
    for (const [name, value] of [
      ['kubeconfig', VAULT_VALUES[0]!],
      ['kubeconfig-2', VAULT_VALUES[1]!],
      ['llm-key', API_KEY],
    ] as const) {
      await operator('vault.add', { name, value: Buffer.from(value).toString('base64') });
    }
    await dispatch(core, admin, 'settings.set', { key: 'redact.siteDomains', value: SITE_DOMAINS });
    await dispatch(core, admin, 'redact.patterns.add', SITE_PATTERN);
    await dispatch(core, admin, 'vault.purpose', { name: 'llm-key', purpose: 'llm', bound: true });
    runId = seedRun(core);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await harness?.close();
  });

  async function signedIn(name: string, password: string): Promise<Page> {
    const app = await openApp(browser, harness);
    contexts.push(app.context);
    errors.push(app.errors);
    await new SignInPage(app.page).signIn(name, password);
    await app.page.getByRole('navigation').first().waitFor();
    return app.page;
  }

  async function go(page: Page, hash: string): Promise<void> {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
  }

  it('an admin configures the endpoint in Settings; it is off until switched on', async () => {
    const page = await signedIn(ADMIN.name, ADMIN.password);
    await go(page, '#/settings');
    const settings = new LlmSettingsCard(page);
    await settings.card.waitFor();
    assert.equal(await settings.enabled.isChecked(), false, 'off by default');
    await settings.endpoint.fill(server.url);
    await settings.model.fill('site-model-7b');
    await settings.ca.fill(server.caPem);
    await settings.keyItem.fill('llm-key');
    await settings.enabled.check();
    await settings.save.click();
    await settings.card.getByRole('status').filter({ hasText: 'LLM settings saved.' }).waitFor();
    await shoot(page, 'settings-llm');
  });

  it('an operator sees exactly what would leave, sends it, and reads the answer with the real names', async () => {
    const page = await signedIn('otto', users.op);
    await go(page, `#/runs/${runId}`);
    const card = new RunSummaryCard(page);
    await card.summarise.waitFor();
    await card.openPreview();
    const preview = await card.preview.innerText();
    assert.deepEqual(leaks(preview), [], 'the preview shows a seeded value');
    assert.ok((await card.marks.count()) >= 10, 'replacements are marked');
    assert.equal(server.requests.length, 0, 'the preview sends nothing');
    await shoot(page, 'summary-preview');

    await card.send();
    await card.answers.first().waitFor();
    const answer = await card.answers.first().innerText();
    assert.ok(
      SEEDED.some((s) => answer.includes(s.value)),
      `the answer shows real names again: ${answer}`,
    );
    assert.equal(server.requests.length, 1);
    const request = server.requests[0]!;
    assert.deepEqual(leaks(request.body), [], 'the endpoint received a seeded value');
    assert.ok(!request.body.includes(API_KEY));
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    await card.card.getByText(/^What was sent/).click();
    await shoot(page, 'run-summary');
  });

  it('a viewer reads the summary but is offered no Summarise button', async () => {
    const page = await signedIn('vic', users.vi);
    await go(page, `#/runs/${runId}`);
    const card = new RunSummaryCard(page);
    await card.answers.first().waitFor();
    assert.equal(await card.summarise.count(), 0);
  });

  it('no console errors (CSP, Trusted Types) on any page', () => {
    assert.deepEqual(errors.flat(), []);
  });
});
