/**
 * Issue 16 item 5/6, the Health screen, in Debian's Chromium at 1024x768 and 1920x1080: a metric's
 * values stored by the core (as a finished run writes them) with an objective set through the API show
 * as breached with the error budget in words; the chosen metric is drawn by uPlot with the objective
 * line; Export CSV saves what the chart shows through the save dialog. Schedules need an imported
 * bundle (the registry and Docker): this suite has none and checks only the empty list. Screens are
 * saved in light and dark under test-results/screenshots/<size>/health-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot } from './browser';
import { DashboardPage, HealthPage, RecoveryKeyPage, SetupPage, ShellPage } from './pages';
import { shown } from './windows';

const ADMIN = { name: 'hilde', password: 'hilde watches the budget' };
const SIZES = [
  { width: 1024, height: 768 },
  { width: 1920, height: 1080 },
] as const;
const HOURS = 48;
const BAD_EVERY = 6; // 8 of 48 values miss: 83% good against a 90% target, so breached

/** A finished run of svc/check and its disk_health values, one an hour over the last two days, as the runner stores them. */
function seedMetrics(harness: Harness): void {
  const db = harness.core.db;
  const now = Date.now();
  const at = (h: number) => new Date(now - (HOURS - h) * 3600_000).toISOString();
  db.prepare(
    `INSERT INTO runs(id, bundle_name, bundle_version, bundle_digest, image_id, task_id, task_title, access, started_by, config, state,
       outcome, created_at, timeout_seconds) VALUES (?, 'svc', '1.0.0', ?, ?, 'check', 'Check', 'read-only', ?, '{}', 'finished', 'succeeded', ?, 600)`,
  ).run('r-health0001', `sha256:${'0'.repeat(64)}`, `sha256:${'1'.repeat(64)}`, ADMIN.name, at(0));
  const insert = db.prepare(
    "INSERT INTO run_metrics(run_id, seq, bundle, task, name, value, unit, labels, at) VALUES ('r-health0001', ?, 'svc', 'check', ?, ?, ?, '{}', ?)",
  );
  for (let h = 0; h < HOURS; h++) {
    insert.run(h, 'disk_health', h % BAD_EVERY === 0 ? 0.5 : 0.95 + 0.04 * Math.sin(h / 4), 'score', at(h));
    insert.run(HOURS + h, 'latency_ms', 120 + 40 * Math.cos(h / 5), 'ms', at(h));
  }
}

describe('Health: objectives, a metric against its objective, CSV export, schedules', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const contexts: BrowserContext[] = [];

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    const app = await openApp(browser, harness, SIZES[0]);
    contexts.push(app.context);
    errors = app.errors;
    page = app.page;
    const setup = new SetupPage(page);
    await setup.heading.waitFor();
    await setup.createAdmin(ADMIN.name, ADMIN.password);
    const recovery = new RecoveryKeyPage(page);
    await recovery.heading.waitFor({ timeout: 60_000 });
    await recovery.stored.check();
    await recovery.continue.click();
    await new DashboardPage(page).heading.waitFor();
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await harness?.close();
  });

  it('shows the SLO as breached with its budget in words, draws the metric with uPlot, and exports the CSV', async () => {
    seedMetrics(harness);
    // Setting an objective is an operator's (runs.start): the admin takes that role too.
    const set = await page.evaluate(async (name) => {
      const roles = await window.api!.call('users.setRoles', { name, roles: ['admin', 'operator'] });
      if (!roles.ok) return roles;
      return await window.api!.call('health.setSlo', {
        bundle: 'svc',
        task: 'check',
        metric: 'disk_health',
        comparison: '>=',
        threshold: 0.9,
        target: 0.9,
        windowDays: 7,
      });
    }, ADMIN.name);
    assert.ok(set.ok, JSON.stringify(set));

    await new ShellPage(page).open('Health');
    const health = new HealthPage(page);
    const row = health.metricRow('disk_health');
    await shown(row);
    assert.match(await row.innerText(), /Breached/);
    assert.match(await row.innerText(), /8 of 48 values missed the objective \(4 allowed\); the error budget is spent/);
    assert.match(await row.innerText(), /at least 0\.9 in 90% of values over 7 days/);
    assert.match(await health.metricRow('latency_ms').innerText(), /No objective/);

    // The metric with an objective is charted first; uPlot paints the canvas.
    const chart = health.chart('disk_health');
    await shown(chart);
    assert.match(await chart.innerText(), /48 values .* the dashed line is the objective, >= 0\.9/s);
    assert.ok((await health.paintedPixels('disk_health')) > 1000, 'the chart canvas is drawn');

    // Choosing another metric charts it instead.
    await health.metricRow('latency_ms').getByRole('button', { name: 'Chart' }).click();
    await shown(health.chart('latency_ms'));
    assert.ok((await health.paintedPixels('latency_ms')) > 1000);
    await health.metricRow('disk_health').getByRole('button', { name: 'Chart' }).click();
    await shown(health.chart('disk_health'));

    const out = join(mkdtempSync(join(tmpdir(), 'health-csv-')), 'disk_health.csv');
    harness.dialogs.save.push(out);
    await health.exportCsv.click();
    await health.statusSays(/Saved 48 rows/);
    assert.ok(existsSync(out));
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(csv.length, 49, 'a header and one line per value');

    await shown(health.schedules);
    assert.match(await health.schedules.innerText(), /No schedules yet/);

    for (const size of SIZES) {
      await page.setViewportSize(size);
      await shown(chart);
      assert.ok((await health.paintedPixels('disk_health')) > 1000);
      await shoot(page, 'health-01-screen', { sized: true });
    }
    await page.setViewportSize(SIZES[0]);
    assert.deepEqual(errors, []);
  });
});
