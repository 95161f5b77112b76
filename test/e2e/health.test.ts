/**
 * Issue 16 item 5/6, the Health screen, in Debian's Chromium at 1024x768 and 1920x1080: a metric's
 * values stored by the core (as a finished run writes them) with an objective set through the API show
 * as breached with the error budget in words; the chosen metric is drawn by uPlot with the objective
 * line; Export CSV saves what the chart shows through the save dialog. Schedules need an
 * imported bundle: this suite inserts the sample catalog rows, adds schedules (one of a read-write task,
 * approved by a second operator in another window) and checks their list. Screens are
 * saved in light and dark under test-results/screenshots/<size>/health-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Harness } from './harness';
import { startAdminSuite, type AdminSuite } from './admin-suite';
import { shoot, SIZES } from './browser';
import { HealthPage, ShellPage } from './pages';
import { shown, Windows } from './windows';
import { ROOT } from './build-renderer';
import { insertBundle } from '../../src/bundles/catalog';
import { sampleBundle } from '../helpers/bundles';

const PUB = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');

const ADMIN = { name: 'hilde', password: 'hilde watches the budget' };
const SECOND = { name: 'ingo', first: 'ingo first password 1', password: 'ingo approves schedules' };
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

/** 30 finished runs of svc/check over the last 10 days: outcomes, durations and issues, as the runner stores them. */
function seedRuns(harness: Harness): void {
  const insert = harness.core.db.prepare(
    `INSERT INTO runs(id, bundle_name, bundle_version, bundle_digest, image_id, task_id, task_title, access, started_by, config, state,
       outcome, created_at, started_at, ended_at, timeout_seconds, issues) VALUES (?, 'svc', '1.0.0', ?, ?, 'check', 'Check', 'read-only', ?, '{}',
       'finished', ?, ?, ?, ?, 600, ?)`,
  );
  const now = Date.now();
  for (let i = 0; i < 30; i++) {
    const created = now - (i * 8 + 3) * 3600_000;
    const outcome = i % 7 === 0 ? 'failed' : i % 11 === 0 ? 'timed-out' : 'succeeded';
    const issues = Array.from({ length: i % 4 }, (_, k) => ({ severity: 1 + ((i + k) % 4), title: `issue ${k}` }));
    insert.run(
      `r-runs${String(i).padStart(6, '0')}`,
      `sha256:${'0'.repeat(64)}`,
      `sha256:${'1'.repeat(64)}`,
      ADMIN.name,
      outcome,
      new Date(created).toISOString(),
      new Date(created + 1000).toISOString(),
      new Date(created + 1000 + (20 + (i % 5) * 15) * 1000).toISOString(),
      JSON.stringify(issues),
    );
  }
}

describe('Health: objectives, a metric against its objective, CSV export, schedules', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let suite: AdminSuite | undefined;
  const windows = new Windows(() => ({ browser, harness }));

  before(async () => {
    suite = await startAdminSuite(ADMIN);
    ({ harness, browser } = suite);
    ({ page, errors } = suite.admin);
  });

  after(async () => {
    await windows.closeAll();
    await suite?.close();
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
    await health.exportCsv('disk_health over time').click();
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

  it('charts run outcomes, durations and issues with their CSV; adds a schedule with its next runs in words, refuses a bad cron, edits, pauses and resumes it', async () => {
    seedRuns(harness);
    insertBundle(harness.core.db, sampleBundle('host-health', 'c'));
    const trusted = await page.evaluate((pem) => window.api!.call('trust.addKey', { pem, comment: 'sample key' }), PUB);
    assert.ok(trusted.ok, JSON.stringify(trusted));
    // The operator role came after sign-in (the first test): the window reads it again on reload.
    await page.reload();
    const health = new HealthPage(page);
    await health.heading.waitFor();

    // Outcomes per day and durations per run; issues per day by severity: uPlot paints each.
    for (const name of ['run outcomes per day', 'run durations', 'issues per day']) {
      await shown(health.chart(name));
      assert.ok((await health.paintedPixels(name)) > 500, `${name} is drawn`);
    }
    assert.match(await health.chart('run outcomes per day').innerText(), /31 finished runs .*, 7 not succeeded/s);
    assert.match(await health.chart('issues per day').innerText(), /43 issues raised/);
    const dir = mkdtempSync(join(tmpdir(), 'health-csv-'));
    harness.dialogs.save.push(join(dir, 'runs.csv'));
    await health.exportCsv('Run outcomes and durations').click();
    await shown(health.saved('Run outcomes and durations').filter({ hasText: /Saved 31 rows/ }));
    const runsCsv = readFileSync(join(dir, 'runs.csv'), 'utf8').trim().split('\n');
    assert.equal(runsCsv[0], 'created,run,bundle,task,outcome,duration_seconds,schedule');
    assert.equal(runsCsv.filter((l) => l.includes(',failed,')).length, 5);
    harness.dialogs.save.push(join(dir, 'issues.csv'));
    await health.exportCsv('Issues over time').click();
    await shown(health.saved('Issues over time'));
    const issuesCsv = readFileSync(join(dir, 'issues.csv'), 'utf8').trim().split('\n');
    const counted = issuesCsv.slice(1).reduce(
      (n, l) =>
        n +
        l
          .split(',')
          .slice(1)
          .reduce((m, x) => m + Number(x), 0),
      0,
    );
    assert.equal(counted, 43, 'the CSV holds the counts the chart shows');

    // A new schedule: a task from the catalog, then when it runs.
    await health.newSchedule.click();
    await health.field('Task').selectOption({ label: 'Check Disk Usage of Host Filesystems (host-health 1.0.0)' });
    await health.dialog.getByRole('button', { name: 'Continue' }).click();
    await health.field('Schedule name').fill('Nightly disk check');
    await health.dialog.getByRole('radio', { name: 'On a calendar (cron expression)' }).check();
    await health.field('Time zone').selectOption('Europe/Berlin');
    await health.field('Cron expression').fill('61 2 * * *');
    await health.dialog.getByRole('button', { name: 'Add schedule' }).click();
    await shown(health.dialog.getByText(/"61 2 \* \* \*" is not a cron expression this runner reads/));
    await health.field('Cron expression').fill('30 2 * * *');
    await shown(health.preview);
    await health.dialog.getByRole('button', { name: 'Add a weekly window' }).click();
    // Saturday and Sunday 22:00 to 04:00: the runs of Sunday and Monday 02:30 fall inside.
    await shown(health.preview.getByText(/skipped: blackout sat,sun 22:00-04:00 \(Europe\/Berlin\)/).first());
    const words = await health.preview.getByRole('listitem').allInnerTexts();
    assert.equal(words.length, 5);
    for (const w of words) assert.match(w, /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} \w+ \d{4} at 02:30 \(GMT\+[12]\)/);
    assert.equal(words.filter((w) => /skipped/.test(w)).length, 2);
    await health.field('Jitter (seconds)').fill('90');
    await health.dialog.getByRole('radio', { name: 'Skip them' }).check();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      assert.ok(await health.isInView(health.dialog.getByRole('button', { name: 'Add schedule' })), 'the primary button stays in view');
      await shoot(page, 'health-02-schedule-add-end', { sized: true, fullPage: false });
      await health.dialog.evaluate((d) => d.scrollTo(0, 0));
      await shoot(page, 'health-02-schedule-add', { sized: true, fullPage: false });
    }
    await page.setViewportSize(SIZES[0]);
    await health.dialog.getByRole('button', { name: 'Add schedule' }).click();
    await health.dialog.waitFor({ state: 'detached' });
    const row = health.scheduleRow('Nightly disk check');
    await shown(row);
    // The cron expression in words with its zone; the expression itself in the tooltip.
    assert.match(await row.innerText(), /At 02:30 \(Europe\/Berlin\)/);
    assert.equal(await row.getByTitle('Cron expression: 30 2 * * *').count(), 1);
    assert.match(await row.innerText(), /Active/);

    // Edit: an interval instead; the blackout and the policy stay.
    await health.scheduleAction('Nightly disk check', 'Edit').click();
    await shown(health.field('Schedule name'));
    assert.equal(await health.field('Cron expression').inputValue(), '30 2 * * *');
    await health.dialog.getByRole('radio', { name: 'At a fixed interval' }).check();
    await health.field('Every').fill('2');
    await health.dialog.getByLabel('Unit').selectOption('hours');
    await shown(health.preview.getByRole('listitem').first());
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await shoot(page, 'health-03-schedule-edit', { sized: true, fullPage: false });
    }
    await page.setViewportSize(SIZES[0]);
    await health.dialog.getByRole('button', { name: 'Save changes' }).click();
    await health.dialog.waitFor({ state: 'detached' });
    await shown(row.getByText('Every 2 hours'));
    const stored = await page.evaluate(async () => {
      const list = await window.api!.call('schedules.list', {});
      return list.ok ? list.value.schedules[0] : null;
    });
    assert.deepEqual(
      {
        timing: stored?.timing.kind,
        every: stored && 'everySeconds' in stored.timing ? stored.timing.everySeconds : null,
        zone: stored?.timing.timeZone,
      },
      { timing: 'interval', every: 7200, zone: 'Europe/Berlin' },
    );
    assert.equal(stored?.jitterSeconds, 90);
    assert.equal(stored?.missed, 'skip');
    assert.deepEqual(stored?.blackouts, [{ kind: 'weekly', days: ['sat', 'sun'], start: '22:00', end: '04:00' }]);
    assert.equal(stored?.revision, 2);

    // Pause and resume on the real schedule.
    await health.scheduleAction('Nightly disk check', 'Pause').click();
    await shown(row.getByText('Paused'));
    assert.match(await row.innerText(), /—/, 'a paused schedule has no next run');
    await health.scheduleAction('Nightly disk check', 'Resume').click();
    await shown(row.getByText('Active'));
    const events = await page.evaluate(async () => {
      const audit = await window.api!.call('audit.list', { limit: 20 });
      return audit.ok ? audit.value.events.map((e) => e.action).filter((a) => a.startsWith('schedules.')) : [];
    });
    assert.deepEqual(events.slice(0, 4), ['schedules.resume', 'schedules.pause', 'schedules.update', 'schedules.add']);

    for (const size of SIZES) {
      await page.setViewportSize(size);
      await shown(health.chart('run outcomes per day'));
      await shoot(page, 'health-04-charts-schedules', { sized: true });
    }
    await page.setViewportSize(SIZES[0]);
    assert.deepEqual(errors, []);
  });
  it("a read-write task's schedule waits for two-person approval; a second operator approves it on the Health screen", async () => {
    insertBundle(harness.core.db, sampleBundle('service-restart', 'e'));
    const added = await page.evaluate(
      async ([name, password]) => {
        const api = window.api!;
        for (const r of [
          await api.call('policy.allow', { tags: ['access:read-write'] }),
          await api.call('settings.set', { key: 'runner.requireApproval', value: true }),
          await api.call('users.add', { name, password, roles: ['operator'] }),
        ])
          if (!r.ok) return r;
        return await api.call('schedules.add', {
          name: 'Weekly restart',
          bundle: 'service-restart',
          task: 'restart-service',
          values: { SERVICE_NAME: 'nginx' },
          reason: 'Weekly restart of the web service after log rotation',
          cron: '0 4 * * 0',
          timeZone: 'UTC',
        });
      },
      [SECOND.name, SECOND.first] as const,
    );
    assert.ok(added.ok, JSON.stringify(added));
    assert.equal(added.value.status, 'awaiting-approval');

    // The owner sees it waiting and has no Approve button of their own.
    await page.reload();
    const mine = new HealthPage(page);
    await shown(mine.scheduleRow('Weekly restart').getByText('Waiting for approval'));
    assert.equal(await mine.scheduleAction('Weekly restart', 'Approve').count(), 0, 'the owner cannot approve their own schedule');

    const second = await windows.signInFirstTime(SECOND);
    await new ShellPage(second).open('Health');
    const health = new HealthPage(second);
    const row = health.scheduleRow('Weekly restart');
    await shown(row.getByText('Waiting for approval'));
    for (const size of SIZES) {
      await second.setViewportSize(size);
      assert.equal(
        await health.isInView(health.scheduleAction('Weekly restart', 'Approve')),
        true,
        `Approve is in view at ${size.width}px`,
      );
      await shoot(second, 'health-05-schedule-awaiting-approval', { sized: true });
    }
    await second.setViewportSize(SIZES[0]);
    await health.scheduleAction('Weekly restart', 'Approve').click();
    await shown(row.getByText(`Active, approved by ${SECOND.name}`));
    assert.equal(await health.scheduleAction('Weekly restart', 'Approve').count(), 0);
    const approved = await second.evaluate(async () => {
      const list = await window.api!.call('schedules.list', {});
      return list.ok ? list.value.schedules.find((s) => s.name === 'Weekly restart') : null;
    });
    assert.equal(approved?.approvedBy, SECOND.name);
    assert.deepEqual([errors, ...windows.errors].flat(), []);
  });
});
