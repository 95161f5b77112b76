/**
 * The redaction preview through the UI, in Debian's Chromium on a real core and encrypted store:
 * an operator goes from a finished run to "Export report…", sees what would leave with every
 * replacement marked (as text: a log line with HTML in it stays text), adds a site pattern on the
 * spot and sees it applied, then exports the report to a file that holds none of the seeded values.
 * Screens are saved in light and dark under test-results/screenshots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot } from './browser';
import { DashboardPage, RedactPage, SignInPage } from './pages';
import { completeFirstRun } from './windows';
import { RunRecords } from '../../src/runner';
import { dispatch } from '../../src/api/dispatcher';
import { addUser, tempDir } from '../helpers/core';
import { SEEDED, SITE_DOMAINS, VAULT_VALUES, seededLog } from '../unit/redact/seeded';

const ADMIN = { name: 'rhea', password: 'rhea minds what leaves the site' };
const RUN_ID = 'r-redacte2e1';
/** Seeded values found in `text`; this run has no sensitive configuration, and the ticket pattern comes later. */
function leaks(text: string, skip: readonly string[] = ['sensitive']): string[] {
  return SEEDED.filter((s) => !skip.includes(s.rule) && text.includes(s.value)).map((s) => `${s.rule}: ${s.value.slice(0, 40)}`);
}

const HTML_LINE = '<img src=x onerror="document.title=1"> from 10.9.8.7';

function seedRun(records: RunRecords): void {
  const at = new Date(Date.now() - 3600_000).toISOString();
  records.insert({
    id: RUN_ID,
    bundle: { name: 'samples/host-health', version: '1.0.0', digest: `sha256:${'c'.repeat(64)}` },
    imageId: `sha256:${'d'.repeat(64)}`,
    task: { id: 'check-disk-usage', title: 'Check disk usage', access: 'read-only' },
    startedBy: 'olga',
    reason: null,
    config: { values: {}, files: {}, secrets: {} },
    state: 'queued',
    approvalRequired: false,
    instanceId: 'i-e2e',
    createdAt: at,
    timeoutSeconds: 60,
  });
  const lines = [...seededLog().split('\n').filter(Boolean), HTML_LINE];
  records.appendLogs(
    RUN_ID,
    lines.map((text, i) => ({ seq: i + 1, time: at, stream: 'stdout' as const, text })),
  );
  records.finish(RUN_ID, {
    outcome: 'failed',
    endedAt: at,
    exitCode: 1,
    issues: [
      {
        severity: 2,
        title: 'peer 192.168.77.201 unreachable',
        expected: 'reachable',
        actual: 'timeout',
        reproduceHint: '',
        nextSteps: 'see TCK-775533',
        details: '',
        taskName: 'check-disk-usage',
        observedAt: at,
      },
    ],
  });
}

describe('redaction preview in Chromium', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page; errors: string[] };
  let operator: { context: BrowserContext; page: Page; errors: string[] };
  let olgaPassword = '';

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
  });

  after(async () => {
    await operator?.context.close();
    await admin?.context.close();
    await browser?.close();
    await harness?.close();
  });

  it('the admin sets up the store and the site domains; an operator and a finished run are in it', async () => {
    admin = await openApp(browser, harness);
    await completeFirstRun(admin.page, ADMIN);
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    await dispatch(harness.core, session, 'settings.set', { key: 'redact.siteDomains', value: SITE_DOMAINS });
    // Site patterns are the admins' (issue 13, roles table): olga holds both roles to add one on the spot.
    const olga = await addUser(harness.core, session, 'olga', ['admin', 'operator']);
    olgaPassword = olga.password;
    for (const [i, v] of VAULT_VALUES.entries())
      await dispatch(harness.core, olga.session, 'vault.add', { name: `seeded-${i}`, value: Buffer.from(v).toString('base64') });
    seedRun(new RunRecords(harness.core.store.db));
  });

  it('from the run, "Export report…" opens the preview: every replacement marked, HTML shown as text', async () => {
    operator = await openApp(browser, harness);
    const page = operator.page;
    await new SignInPage(page).signIn('olga', olgaPassword);
    await new DashboardPage(page).heading.waitFor();
    await page.evaluate((id) => (location.hash = `#/runs/${id}`), RUN_ID);
    await page.getByRole('link', { name: 'Export report…' }).click();
    const redact = new RedactPage(page);
    await redact.heading.waitFor();
    assert.equal(await redact.runId.inputValue(), RUN_ID);
    // The run field offers the finished runs to pick from (a searchable list), named by task and time.
    const offered = () => redact.runId.evaluate((i) => Array.from((i as HTMLInputElement).list?.options ?? [], (o) => o.value));
    let values: string[] = [];
    for (let tries = 0; tries < 100 && values.length === 0; tries++) {
      values = await offered();
      if (values.length === 0) await page.waitForTimeout(100);
    }
    assert.deepEqual(values, [RUN_ID]);
    await redact.preview();

    const logText = await redact.log.innerText();
    assert.deepEqual(leaks(logText, ['sensitive', 'site:ticket']), []);
    assert.match(logText, /host-[0-9a-f]{6}/);
    assert.ok(
      logText.includes('<img src=x onerror="document.title=1"> from ip-'),
      'the HTML line is shown as text, its address pseudonymised',
    );
    assert.equal(await redact.result.getByRole('img').count(), 0, 'no element was made from task output');
    assert.equal(await redact.result.locator('img').count(), 0, 'no element was made from task output');
    const rules = new Set(await redact.marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule'))));
    for (const rule of ['private-key', 'jwt', 'email', 'ipv4', 'ipv6', 'host', 'aws-arn', 'url-password'])
      assert.ok(rules.has(rule), `marked ${rule}`);
    // Without a site pattern the ticket number still shows: olga (an admin too) adds one on the spot.
    assert.ok(logText.includes('TCK-775533'));
    await shoot(page, 'redact-01-preview');
  });

  it('a pattern added on the spot applies at once; a slow one is refused with what to change', async () => {
    const page = operator.page;
    const redact = new RedactPage(page);
    await redact.add('bad', '(a+)+$', 'mask');
    await redact.alert.filter({ hasText: 'exponential time' }).waitFor();
    await redact.add('ticket', 'TCK-\\d{4,8}', 'pseudonymise');
    await redact.status.filter({ hasText: 'Pattern ticket added' }).waitFor();
    await redact.patterns.getByRole('rowheader', { name: 'ticket', exact: true }).waitFor();
    await redact.marksOf('site:ticket').first().waitFor();
    assert.ok(!(await redact.log.innerText()).includes('TCK-775533'));
    await shoot(page, 'redact-02-pattern-added');
  });

  it('"Export report…" writes the report to the chosen file: none of the seeded values is in it', async () => {
    const page = operator.page;
    const redact = new RedactPage(page);
    const out = join(tempDir(), 'run-report.json');
    // A path the page did not get from the save dialog is refused (a compromised page cannot aim the export).
    const typed = await page.evaluate(async ([id, path]) => await window.api!.call('runs.export', { id, outPath: path }), [
      RUN_ID,
      out,
    ] as const);
    assert.match(typed.ok ? 'written' : typed.error.message, /file dialog/);
    harness.dialogs.save.push(out);
    await redact.exportReport.click();
    await redact.status.filter({ hasText: 'Report written to' }).waitFor();
    const text = readFileSync(out, 'utf8');
    assert.deepEqual(leaks(text), []);
    const doc = JSON.parse(text);
    assert.equal(doc.redaction.ruleSet, 'default');
    assert.ok(doc.redaction.counts['site:ticket'] >= 1);
    await shoot(page, 'redact-03-exported');

    // A vendor's reply quoting the report's pseudonym is mapped back here, from the store's reverse map.
    const seededHost = SEEDED.find((s) => s.rule === 'host')!.value;
    const token = /resolved (host-[0-9a-f]{6,}) in 3 ms/.exec(text)?.[1];
    assert.ok(token, 'the seeded host left as a pseudonym');
    await redact.reply.fill(`Vendor: ${token} answers slowly; also build-0badc0de is unknown`);
    await redact.mapBack.click();
    await redact.replyOriginals.waitFor();
    assert.equal((await redact.replyOriginals.innerText()).trim(), `Vendor: ${seededHost} answers slowly; also build-0badc0de is unknown`);
    await redact.status.filter({ hasText: '1 pseudonym mapped back' }).waitFor();
    await shoot(page, 'redact-04-reply-mapped-back');
    assert.deepEqual(operator.errors, []);
  });
});
