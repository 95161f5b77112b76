/**
 * Retention through the UI, in Debian's Chromium on a real core and encrypted store: the admin sees
 * the limits and what a purge would remove now, shortens the log limit, purges after a confirm step,
 * and the purged run says so in the history and in its own view. A viewer is not offered the screen.
 * Screens are saved in light and dark under test-results/screenshots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot } from './browser';
import { DashboardPage, RetentionPage, RunsPage, ShellPage, SignInPage } from './pages';
import { completeFirstRun } from './windows';
import { RunRecords } from '../../src/runner';
import { dispatch } from '../../src/api/dispatcher';
import { addUser } from '../helpers/core';
import { seedFinishedRun } from '../helpers/run-records';

const ADMIN = { name: 'rita', password: 'rita keeps what the law says' };
const DAY = 24 * 60 * 60 * 1000;

/** A finished run that ended `daysAgo` days ago, with 40 log lines, an issue and a report. */
function seedRun(records: RunRecords, daysAgo: number, text: string): string {
  const id = `r-${randomBytes(5).toString('hex')}`;
  seedFinishedRun(records, id, new Date(Date.now() - daysAgo * DAY), text, 40);
  return id;
}

describe('retention screen in Chromium', { timeout: 180_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page; errors: string[] };
  const ids: Record<string, string> = {};

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
  });

  after(async () => {
    await admin?.context.close();
    await browser?.close();
    await harness?.close();
  });

  it('the admin sets up the store; runs of different ages are in it', async () => {
    admin = await openApp(browser, harness);
    await completeFirstRun(admin.page, ADMIN);
    const records = new RunRecords(harness.core.store.db);
    ids.old = seedRun(records, 200, 'OLD-RUN');
    ids.mid = seedRun(records, 45, 'MID-RUN');
    ids.recent = seedRun(records, 1, 'RECENT-RUN');
  });

  it('shows the limits and what a purge would remove now; a shorter log limit updates the dry run', async () => {
    const page = admin.page;
    await new ShellPage(page).open('Retention');
    const retention = new RetentionPage(page);
    await retention.limits.getByText('90 days after the run ends').waitFor();
    assert.match(await retention.plan.innerText(), /Logs\s+1 run, 40 lines/);
    await shoot(page, 'retention-01-limits');

    await retention.setLimits(30, 100);
    await retention.plan.getByText(/^2 runs, 80 lines/).waitFor();
    assert.match(await retention.plan.innerText(), /Issues and reports\s+1 run,/);
  });

  it('purges after a confirm step; the runs say their logs were purged', async () => {
    const page = admin.page;
    const retention = new RetentionPage(page);
    await retention.openPurge();
    assert.match(await retention.dialog.innerText(), /cannot be undone/);
    await shoot(page, 'retention-02-confirm', { fullPage: false });
    await retention.dialog.getByRole('button', { name: 'Keep it' }).click();
    assert.equal(await retention.dialog.count(), 0);
    assert.equal(
      (harness.core.store.db.prepare('SELECT count(*) AS n FROM run_logs').get() as { n: number }).n,
      120,
      'cancel removed nothing',
    );

    await retention.openPurge();
    await retention.confirmPurge();
    assert.match(await retention.status.filter({ hasText: 'Purged' }).innerText(), /logs of 2 runs .* reports of 1 run /);
    await page.getByRole('button', { name: 'Nothing to purge' }).waitFor();
    await shoot(page, 'retention-03-purged');
    assert.equal((harness.core.store.db.prepare('SELECT count(*) AS n FROM run_logs').get() as { n: number }).n, 40);

    const shell = new ShellPage(page);
    await shell.open('Runs');
    const history = new RunsPage(page);
    await history.row(ids.old!).getByText('purged').waitFor();
    assert.equal(await history.row(ids.recent!).getByText('purged').count(), 0);
    await shoot(page, 'retention-04-runs-history');
    await history.link(ids.old!).click();
    await page.getByText('Log purged on').waitFor();
    assert.match(await page.getByText('Log purged on').innerText(), new RegExp(`by ${ADMIN.name}\\.$`));
    await page.getByText('Issues and report purged on').waitFor();
    assert.equal(await page.getByText('OLD-RUN').count(), 0, 'no purged text on screen');
    await shoot(page, 'retention-05-run-purged');
    // Past the log limit only: the log is gone, the issues stay.
    await page.evaluate((id) => (location.hash = `#/runs/${id}`), ids.mid!);
    await page.getByText('MID-RUN disk at 85%').waitFor();
    await page.getByText('Log purged on').waitFor();
    assert.deepEqual(admin.errors, []);
  });

  it('a viewer is not offered the Retention screen', async () => {
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    const viewer = await addUser(harness.core, session, 'vince', ['viewer']);
    const app = await openApp(browser, harness);
    try {
      await new SignInPage(app.page).signIn('vince', viewer.password);
      const shell = new ShellPage(app.page);
      await new DashboardPage(app.page).heading.waitFor();
      assert.ok(!(await shell.visibleScreens()).includes('Retention'));
      assert.ok((await new ShellPage(admin.page).visibleScreens()).includes('Retention'));
    } finally {
      await app.context.close();
    }
  });
});
