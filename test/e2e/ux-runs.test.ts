/**
 * Issue 15's run screens in Debian's Chromium, on a real core and encrypted store, at 1024x768 and
 * 1920x1080: the log viewer (search with next/previous and a count, first error, timestamps, wrap,
 * full screen, copy, download through the save dialog, follow and pause on live lines, only the
 * lines in view drawn), the banner saying why a run failed and its duration, the Runs table paged,
 * sorted and filtered by the core, a run with a critical issue never a plain "succeeded", the
 * catalog grouped by bundle, the task page, Run again, and the confirmations of destructive
 * actions (cancel run, by keyboard only; vault remove; trust root remove; prune).
 *
 * The runs here are written into the store as the runner writes them (records and log lines): the
 * screens under test read the store, and a 200,000-line log needs no engine. The live run is fed by
 * appending lines, which the core's runs.log subscription polls for. Starting a run by keyboard on
 * a real engine is in ux-runs-keyboard.test.ts (needs DOCKER_HOST).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot, SIZES } from './browser';
import { shown, Windows } from './windows';
import { CatalogPage, ConfirmDialog, RunFormDialog, RunPage, RunsPage, ShellPage, TrustPage, VaultPage } from './pages';
import { ADMIN, OP, tabToControl, trustSampleKeyAndAddOperator } from './ux-runs-shared';
import { RunRecords } from '../../src/runner/records';
import { insertBundle } from '../../src/bundles/catalog';
import type { IssueLine } from '../../src/bundles/results';
import { sampleBundle } from '../helpers/bundles';

const LINES = 200_000;
const ERROR_LINE = 150_001;
const NEEDLE_EVERY = 20_000;

const critical: IssueLine = {
  severity: 1,
  title: 'Backups missing',
  expected: 'a backup from the last day',
  actual: 'none',
  reproduceHint: '',
  nextSteps: 'Start the backup job.',
  details: '',
  taskName: 'check-disk-usage',
  observedAt: '2026-12-01T10:00:00.000Z',
};

/** Polls `probe` until it holds: for what a locator cannot wait on (a count, a scroll position). */
async function until(probe: () => Promise<boolean>, what: () => Promise<string>, timeout = 20_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting until ${await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A status line of the page (role=status) that says `text`. */
async function says(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).first().waitFor();
}

describe('run screens: log viewer, outcome banner, runs table, task page and confirmations', { timeout: 600_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: Page;
  let anna: Page;
  const files = mkdtempSync(join(tmpdir(), 'airgap-e2e-ux-runs-'));
  const windows = new Windows(() => ({ browser, harness }));
  const ids = { failed: '', live: '', critical: '' };
  let bundleDigest = '';

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await harness?.close();
    rmSync(files, { recursive: true, force: true });
  });

  /** Writes a run as the runner would: its record, then (for a finished one) its outcome. */
  function writeRun(
    n: number,
    o: {
      task?: { id: string; title: string };
      created: string;
      seconds?: number;
      outcome?: 'succeeded' | 'failed' | 'cancelled';
      exitCode?: number;
      issues?: IssueLine[];
      values?: Record<string, string>;
      by?: string;
    },
  ): string {
    const db = harness.core.store.db;
    const records = new RunRecords(db);
    const id = `r-ux${String(n).padStart(8, '0')}`;
    records.insert({
      id,
      bundle: { name: 'host-health', version: '1.0.0', digest: bundleDigest },
      imageId: 'sha256:' + 'b'.repeat(64),
      task: { ...(o.task ?? { id: 'check-disk-usage', title: 'Check Disk Usage of Host Filesystems' }), access: 'read-only' },
      startedBy: o.by ?? OP.name,
      reason: null,
      config: { values: o.values ?? {}, files: {}, secrets: {} },
      state: 'queued',
      approvalRequired: false,
      instanceId: 'e2e',
      createdAt: o.created,
      timeoutSeconds: 120,
    });
    db.prepare("UPDATE runs SET state = 'running', started_at = ? WHERE id = ?").run(o.created, id);
    if (o.outcome) {
      const ended = new Date(Date.parse(o.created) + (o.seconds ?? 1) * 1000).toISOString();
      records.finish(id, { outcome: o.outcome, endedAt: ended, exitCode: o.exitCode ?? 0, issues: o.issues ?? [] });
    }
    return id;
  }

  function appendLines(id: string, from: number, count: number, text: (seq: number) => string, stream = (_: number) => 'stdout') {
    const records = new RunRecords(harness.core.store.db);
    const base = Date.parse('2026-12-01T10:00:00.000Z');
    for (let start = from; start < from + count; start += 10_000) {
      const lines = [];
      for (let seq = start; seq < Math.min(from + count, start + 10_000); seq++) {
        lines.push({
          seq,
          time: new Date(base + seq * 10).toISOString(),
          stream: stream(seq) as 'stdout' | 'stderr',
          text: text(seq),
        });
      }
      records.appendLogs(id, lines);
    }
  }

  it('setup: a trusted bundle in the catalog, an operator, and runs as the runner writes them', async () => {
    admin = await windows.setup(ADMIN);
    await trustSampleKeyAndAddOperator(admin);
    const bundle = sampleBundle('host-health', 'c');
    insertBundle(harness.core.store.db, bundle);
    insertBundle(harness.core.store.db, sampleBundle('log-scan', 'e'));
    bundleDigest = bundle.digest;

    // 120 earlier runs to page through, a day apart at most.
    for (let i = 0; i < 120; i++) {
      writeRun(100 + i, {
        created: new Date(Date.parse('2026-11-01T08:00:00.000Z') + i * 3_600_000).toISOString(),
        seconds: 5 + (i % 7) * 10,
        outcome: i % 10 === 3 ? 'failed' : 'succeeded',
        exitCode: i % 10 === 3 ? 1 : 0,
      });
    }
    ids.critical = writeRun(1, { created: '2026-12-01T09:00:00.000Z', seconds: 12, outcome: 'succeeded', issues: [critical] });
    ids.failed = writeRun(2, {
      created: '2026-12-01T10:00:00.000Z',
      seconds: 65,
      outcome: 'failed',
      exitCode: 3,
      values: { DISK_USAGE_THRESHOLD_PERCENT: '91', DISK_PATHS: '/var' },
    });
    appendLines(
      ids.failed,
      1,
      LINES,
      (seq) =>
        seq === ERROR_LINE
          ? 'ERROR: /var is 97% full'
          : seq === 5
            ? `a long line that wraps: ${'0123456789 '.repeat(60)}end of the long line`
            : seq % NEEDLE_EVERY === 0
              ? `checkpoint needle ${seq / NEEDLE_EVERY} reached`
              : `step ${seq}: checking \u241b[32mhost-${seq % 50}\u241b[0m`,
      (seq) => (seq === ERROR_LINE ? 'stderr' : 'stdout'),
    );
    ids.live = writeRun(3, { created: new Date(Date.now() - 30_000).toISOString() });
    appendLines(ids.live, 1, 60, (seq) => `live line ${seq}`);
  });

  it('the log viewer at 1024x768 and 1920x1080: search, first error, timestamps, wrap, full screen, copy and download', async () => {
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const run = new RunPage(admin);
    for (const size of SIZES) {
      await admin.setViewportSize(size);
      await admin.goto(`${harness.url}#/runs/${ids.failed}`);
      await shown(run.outcome.filter({ hasText: 'Failed: the task exited with code 3.' }));
      assert.equal(await run.fact('Duration'), '1 min 05 s');
      await until(
        async () => (await run.lineCounts()).held === LINES,
        async () => `the log holds all ${LINES} lines (it holds ${(await run.lineCounts()).held})`,
        60_000,
      );
      // The log fills the window's height, not a 460-pixel box.
      const box = await run.log.boundingBox();
      assert.ok(box && box.height >= size.height - 300, `the log is ${box?.height} px high in a ${size.height} px window`);
      const drawn = (await run.lineCounts()).drawn;
      assert.ok(drawn < 150, `only the lines in view are drawn (${drawn} of ${LINES})`);

      await run.search.fill('NEEDLE');
      await shown(run.matches.filter({ hasText: '1 of 10 matches' }));
      assert.ok(await run.lineInView(NEEDLE_EVERY), 'the first match is brought into view');
      await run.nextMatch.click();
      await shown(run.matches.filter({ hasText: '2 of 10 matches' }));
      assert.ok(await run.lineInView(2 * NEEDLE_EVERY));
      await run.search.press('Shift+Enter');
      await run.search.press('Shift+Enter');
      await shown(run.matches.filter({ hasText: '10 of 10 matches' }));
      assert.ok(await run.lineInView(10 * NEEDLE_EVERY));
      assert.equal(await run.log.locator('mark').first().innerText(), 'needle');
      await shoot(admin, 'ux-runs-01-log-search', { sized: true, fullPage: false });
      await run.search.fill('no such text anywhere');
      await shown(run.matches.filter({ hasText: 'No matches' }));
      await run.search.fill('');

      await run.firstError.click();
      await says(admin, `First error on line ${ERROR_LINE}.`);
      assert.ok(await run.lineInView(ERROR_LINE));

      const timestamps = run.toggle('Timestamps');
      await timestamps.click();
      assert.equal(await timestamps.getAttribute('aria-pressed'), 'true');
      await shown(run.log.getByText('10:25:00.010', { exact: true }));
      await shoot(admin, 'ux-runs-02-log-timestamps-first-error', { sized: true, fullPage: false });
      await timestamps.click();

      await run.log.focus();
      await admin.keyboard.press('Home');
      const wrap = run.toggle('Wrap lines');
      const before = await run.log.getByText(/^a long line that wraps/).boundingBox();
      await wrap.click();
      const after = await run.log.getByText(/^a long line that wraps/).boundingBox();
      assert.ok(before && after && after.height > before.height * 2, 'the long line wraps onto several rows');
      assert.ok(after.width <= (await run.log.boundingBox())!.width, 'and fits the log');
      await shoot(admin, 'ux-runs-03-log-wrapped', { sized: true, fullPage: false });
      await wrap.click();

      await run.fullScreen.click();
      const full = await run.log.boundingBox();
      assert.ok(full && full.height >= size.height - 200, 'full screen gives the log the window');
      await shoot(admin, 'ux-runs-04-log-full-screen', { sized: true, fullPage: false });
      await admin.keyboard.press('Escape');
      await shown(run.tools.getByRole('button', { name: 'Full screen' }));

      await run.copy.click();
      await says(admin, `Copied ${LINES.toLocaleString('en')} lines.`);
      const copied = await admin.evaluate(async () => await navigator.clipboard.readText());
      assert.equal(copied.split('\n').length, LINES);
      assert.equal(copied.split('\n')[ERROR_LINE - 1], 'ERROR: /var is 97% full');

      // Download: the native save dialog picks the path; the core writes the file.
      const saved = join(files, `log-${size.width}.log`);
      harness.dialogs.save.push(saved);
      await run.download.click();
      await says(admin, `Saved ${LINES.toLocaleString('en')} lines to ${saved}.`);
      const text = readFileSync(saved, 'utf8').split('\n');
      assert.equal(text.length, LINES + 1);
      assert.equal(text[ERROR_LINE - 1], 'ERROR: /var is 97% full');
      // Cancelled dialog: nothing happens, nothing is said.
      await run.download.click();
      assert.equal(await run.alert.count(), 0);
      await shoot(admin, 'ux-runs-05-run-failed', { sized: true });
    }
  });

  it('follow keeps the newest live line in view; scrolling up or Pause stops it; Follow brings the end back', async () => {
    const run = new RunPage(admin);
    for (const size of SIZES) {
      await admin.setViewportSize(size);
      await admin.goto(`${harness.url}#/runs/${ids.live}`);
      await shown(run.status.getByText('running', { exact: true }));
      const follow = run.toggle(/^Follow/);
      await until(
        async () => (await run.lineCounts()).held >= 60,
        async () => 'the live run shows its 60 lines',
      );
      const last = (await run.lineCounts()).held;
      appendLines(ids.live, last + 1, 80, (seq) => `live line ${seq}`);
      await until(
        async () => await run.lineInView(last + 80),
        async () => `line ${last + 80} arrives and is in view`,
      );
      assert.equal(await follow.getAttribute('aria-pressed'), 'true');
      assert.equal(await follow.innerText(), 'Following');
      // Pause: new lines arrive, the view stays where it is.
      await follow.click();
      assert.equal(await follow.getAttribute('aria-pressed'), 'false');
      await run.log.evaluate((el) => (el.scrollTop = 0));
      appendLines(ids.live, last + 81, 40, (seq) => `live line ${seq}`);
      await until(
        async () => (await run.lineCounts()).held === last + 120,
        async () => 'the paused view still takes the new lines',
      );
      assert.equal(await run.lineInView(last + 120), false, 'paused: the newest line is not scrolled into view');
      assert.ok(await run.lineInView(1));
      await follow.click();
      await until(
        async () => await run.lineInView(last + 120),
        async () => 'Follow brings the newest line back into view',
      );
      await shoot(admin, 'ux-runs-06-run-live', { sized: true, fullPage: false });
    }
  });

  it('cancelling a run by keyboard only asks first, names what happens; Escape keeps it running', async () => {
    const run = new RunPage(admin);
    await admin.setViewportSize(SIZES[0]);
    await admin.goto(`${harness.url}#/runs/${ids.live}`);
    await shown(run.cancel);
    const confirm = new ConfirmDialog(admin, `Cancel run ${ids.live}?`);
    const tabTo = (name: string) => tabToControl(admin, name);
    await tabTo('Cancel run…');
    await admin.keyboard.press('Enter');
    await shown(confirm.box);
    await shown(confirm.box.getByText(/its container is stopped at once/));
    assert.equal(await confirm.focused(), 'Keep it running', 'the safe choice has focus');
    await shoot(admin, 'ux-runs-07-confirm-cancel', { sized: true, fullPage: false });
    await admin.keyboard.press('Escape');
    await confirm.box.waitFor({ state: 'detached' });
    assert.equal(new RunRecords(harness.core.store.db).get(ids.live)!.cancelRequestedBy, null, 'Escape cancelled nothing');

    await tabTo('Cancel run…');
    await admin.keyboard.press('Enter');
    await shown(confirm.box);
    // Focus stays inside the dialog: Tab cycles between its two buttons.
    await admin.keyboard.press('Tab');
    assert.equal(await confirm.focused(), 'Cancel run');
    await admin.keyboard.press('Enter');
    await confirm.box.waitFor({ state: 'detached' });
    await says(admin, 'Cancel requested.');
    assert.equal(new RunRecords(harness.core.store.db).get(ids.live)!.cancelRequestedBy, `user:${ADMIN.name}`);
    // The runner settles it (here: as the runner would), and the run says who cancelled it.
    const started = Date.parse(new RunRecords(harness.core.store.db).get(ids.live)!.startedAt!);
    new RunRecords(harness.core.store.db).finish(ids.live, { outcome: 'cancelled', endedAt: new Date(started + 40_000).toISOString() });
    await admin.reload();
    await shown(run.outcome.filter({ hasText: `Cancelled by ${ADMIN.name}.` }));
  });

  it('the Runs table pages, sorts and filters in the core; a run with a critical issue is not a plain success', async () => {
    const shell = new ShellPage(admin);
    const runs = new RunsPage(admin);
    for (const size of SIZES) {
      await admin.setViewportSize(size);
      await admin.goto(`${harness.url}#/dashboard`);
      await shell.open('Runs');
      await shown(runs.status.filter({ hasText: /^1–50 of 123 runs/ }));
      assert.equal(await runs.table.getByRole('row').count(), 51);
      const critical = runs.row(ids.critical);
      await shown(critical.getByText('succeeded, 1 critical'));
      assert.equal(await critical.getByText('succeeded', { exact: true }).count(), 0);
      await shoot(admin, 'ux-runs-08-runs', { sized: true, fullPage: false });
      await admin.getByRole('button', { name: 'Next page' }).click();
      await shown(runs.status.filter({ hasText: /^51–100 of 123 runs/ }));
      await admin.getByRole('button', { name: 'Next page' }).click();
      await shown(runs.status.filter({ hasText: /^101–123 of 123 runs/ }));
      assert.equal(await admin.getByRole('button', { name: 'Next page' }).isDisabled(), true);
      // Sorting goes back to the first page, sorted over every run.
      await runs.table.getByRole('button', { name: /^Duration/ }).click();
      await shown(runs.status.filter({ hasText: /^1–50 of 123 runs/ }));
      assert.equal(await runs.table.getByRole('columnheader', { name: /^Duration/ }).getAttribute('aria-sort'), 'ascending');
      await runs.table.getByRole('button', { name: /^Duration/ }).click();
      await shown(runs.link(ids.failed));
      assert.equal(await runs.table.getByRole('row').nth(1).getByRole('rowheader').innerText(), ids.failed, 'the longest run first');
      await admin.getByLabel('Raised critical issues').check();
      await shown(runs.status.filter({ hasText: /^1–1 of 1 run\b/ }));
      await shown(runs.link(ids.critical));
      await admin.getByLabel('Raised critical issues').uncheck();
      await admin.getByLabel('Outcome').selectOption('failed');
      await shown(runs.status.filter({ hasText: /^1–13 of 13 runs/ }));
      await admin.getByLabel('Outcome').selectOption('');
      await admin.getByLabel('Created from').fill('2026-12-01');
      await shown(runs.status.filter({ hasText: /of 3 runs/ }));
      await shoot(admin, 'ux-runs-09-runs-filtered', { sized: true });
      await admin.getByLabel('Created from').fill('');
    }
  });

  it('the catalog groups tasks by bundle; a task page shows what it takes, its limits, the policy decision and its runs', async () => {
    anna = await windows.signInFirstTime(OP);
    const catalog = new CatalogPage(anna);
    for (const size of SIZES) {
      await anna.setViewportSize(size);
      await new ShellPage(anna).open('Catalog');
      await shown(catalog.tasksOf('host-health 1.0.0'));
      await shown(catalog.tasksOf('log-scan 1.0.0'));
      // Each task sits in its bundle version's group, under the group's heading, and in no other.
      await shown(catalog.rowIn(catalog.tasksOf('host-health 1.0.0'), /^Check Disk Usage of Host Filesystems/));
      await shown(catalog.tasksOf('log-scan 1.0.0').getByRole('rowheader', { name: 'log-scan 1.0.0 · 1 task', exact: true }));
      assert.equal(await catalog.rowIn(catalog.tasksOf('log-scan 1.0.0'), /^Check Disk Usage/).count(), 0);
      assert.ok(await catalog.isInView(catalog.runButton('Check Disk Usage of Host Filesystems')), 'Run… stays in view');
      await shoot(anna, 'ux-runs-10-catalog-grouped', { sized: true });
      await catalog.taskLink('Check Disk Usage of Host Filesystems').click();
      await shown(anna.getByRole('heading', { level: 1, name: 'Check Disk Usage of Host Filesystems' }));
      await shown(catalog.region('Policy decision').getByText('allowed'));
      await shown(catalog.region('About this task').getByRole('rowheader', { name: 'DISK_USAGE_THRESHOLD_PERCENT' }));
      await shown(catalog.region('Limits').getByText('Time limit'));
      const history = catalog.tableNamed('Runs of Check Disk Usage of Host Filesystems');
      await shown(history.getByRole('link', { name: ids.failed }));
      await shoot(anna, 'ux-runs-11-task-page', { sized: true });
    }
  });

  it('Run again opens the form with the earlier run’s values', async () => {
    const run = new RunPage(anna);
    await anna.goto(`${harness.url}#/runs/${ids.failed}`);
    await run.runAgain.click();
    const form = new RunFormDialog(anna);
    await shown(form.dialog.getByText(`Filled in from run ${ids.failed}.`));
    assert.equal(await form.variable('DISK_USAGE_THRESHOLD_PERCENT').inputValue(), '91');
    assert.equal(await form.variable('DISK_PATHS').inputValue(), '/var');
    await shoot(anna, 'ux-runs-12-run-again', { sized: true, fullPage: false });
    await anna.keyboard.press('Escape');
    await form.dialog.waitFor({ state: 'detached' });
  });

  it('removing a vault item, a trust root, and pruning images ask first and name what happens', async () => {
    const added = await admin.evaluate(async () => (await window.api!.call('vault.add', { name: 'old-token', value: btoa('x') })).ok);
    assert.equal(added, true);
    const shell = new ShellPage(admin);
    await admin.setViewportSize(SIZES[1]);
    await admin.goto(`${harness.url}#/dashboard`);
    await shell.open('Vault');
    const vault = new VaultPage(admin);
    const confirm = new ConfirmDialog(admin, 'Remove old-token from the vault?');
    await admin.getByRole('button', { name: 'Remove old-token' }).click();
    await shown(confirm.box.getByText(/tasks that use it cannot run/));
    assert.equal(await confirm.focused(), 'Keep it');
    await shoot(admin, 'ux-runs-13-confirm-vault-remove', { sized: true, fullPage: false });
    await admin.keyboard.press('Escape');
    await confirm.box.waitFor({ state: 'detached' });
    await shown(vault.items.getByText('old-token'));
    await admin.getByRole('button', { name: 'Remove old-token' }).click();
    await confirm.button('Remove from the vault').click();
    await vault.statusSays('old-token removed.');
    // The notice comes first; the list reloads after it.
    await vault.items.getByText('old-token').waitFor({ state: 'detached' });

    await shell.open('Trust and policy');
    const trust = new TrustPage(admin);
    await admin.getByRole('button', { name: /^Remove key / }).click();
    const remove = new ConfirmDialog(admin, 'Remove this trust root?');
    await shown(remove.box.getByText(/Bundles signed only by this key are disabled at once/));
    await shoot(admin, 'ux-runs-14-confirm-trust-remove', { sized: true, fullPage: false });
    await remove.button('Keep it').click();
    await shown(trust.keys.getByText('sample key', { exact: false }));

    // Pruning is an operator's (bundles.import).
    await new ShellPage(anna).open('Catalog');
    await anna.getByRole('button', { name: 'Prune unused images…' }).click();
    const prune = new ConfirmDialog(anna, 'Prune unused images?');
    await shown(prune.box.getByText(/removed from the engine/));
    await shoot(anna, 'ux-runs-15-confirm-prune', { sized: true, fullPage: false });
    await prune.button('Keep it').click();
    await prune.box.waitFor({ state: 'detached' });
  });

  it('no page logged a CSP, Trusted Types or script error', () => {
    assert.deepEqual(windows.errors.flat(), []);
  });
});
