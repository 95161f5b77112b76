/**
 * The operator's day through the UI, in Debian's Chromium, on a real core, store, engine and mirror:
 * first-run setup, a trust root, importing signed bundles from an OCI-layout mirror picked in the
 * (harness's) native dialog, a read-write task disabled by policy, a run whose log is watched live,
 * its issues and report, task output full of HTML, `javascript:` links and escape sequences shown
 * as inert text, an auditor exporting and verifying the audit chain, and a viewer who is offered
 * none of an operator's controls. Every screen is saved in light and dark.
 *
 * The engine parts need DOCKER_HOST (`eval "$(test/services.sh start)"`; `node test/run.mjs e2e`
 * starts private services when it may); without it they say plainly that they skip.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot, shootSizes, SCREENSHOTS, SIZES } from './browser';
import { closeRunningHarness, shown, Windows } from './windows';
import { ROOT } from './build-renderer';
import {
  AuditExportPage,
  CatalogPage,
  DashboardPage,
  ImportPage,
  RunFormDialog,
  RunPage,
  RunsPage,
  ShellPage,
  SignInPage,
  SigningIdentityPage,
  TrustPage,
  VaultPage,
  VerifyPage,
} from './pages';
import { writeSignedSample } from '../../samples/tools/build-mirror';

const ADMIN = { name: 'ada', password: 'ada keeps the keys safe' };
const OPERATOR = { name: 'otto', first: 'first-password-otto', password: 'otto runs the night shift' };
const AUDITOR = { name: 'audra', first: 'first-password-audra', password: 'audra reads every line' };
const VIEWER = { name: 'vic', first: 'first-password-vic', password: 'vic only looks around' };

const ENGINE_SKIP = process.env.DOCKER_HOST
  ? false
  : 'SKIP: no DOCKER_HOST, so no engine for imports and runs (eval "$(test/services.sh start)" or run as root with docker.io)';
if (ENGINE_SKIP) console.log(`operations.test.ts: ${ENGINE_SKIP}`);

const SAMPLES = join(ROOT, 'samples', 'bundles');
const KEY = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.key'));
const PUB = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');

/** A bundle of our own: a slow task to watch live, and one whose output is hostile. */
function fixtureBundle(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ui-fixture-')), name);
  mkdirSync(dir);
  copyFileSync(join(SAMPLES, 'host-health', 'results.sh'), join(dir, 'results.sh'));
  writeFileSync(
    join(dir, 'live.sh'),
    ['#!/bin/sh', 'i=1', 'while [ $i -le 5 ]; do printf "\\033[36mtick\\033[0m %s\\n" $i; sleep 1; i=$((i+1)); done', 'echo done'].join(
      '\n',
    ) + '\n',
  );
  writeFileSync(join(dir, 'read-file.sh'), '#!/bin/sh\nhead -n 3 "$LOG"\n');
  writeFileSync(
    join(dir, 'hostile.sh'),
    [
      '#!/bin/sh',
      'set -u',
      '. "$(dirname "$0")/results.sh"',
      `printf '%s\\n' '<script>window.__pwned=1</script><b>bold</b>'`,
      `printf '%s\\n' '<a href="javascript:window.__pwned=2">click me</a> javascript:window.__pwned=2'`,
      `printf '\\033[31mred text\\033[0m and \\033[1;32mbold green\\033[0m\\n'`,
      `printf '\\033]8;;javascript:alert(3)\\007osc link\\033]8;;\\007 then \\033[2J clear\\n'`,
      `add_issue 2 '<img src=x onerror=window.__pwned=3> disk nearly full' '<b>below 90%</b>' '93%' 'df -P /' 'Free space: <a href="javascript:window.__pwned=4">clean up</a>'`,
      `add_issue 4 'Everything else fine' 'ok' 'ok' '' 'Nothing to do.'`,
      `add_report a 'javascript:window.__pwned=5'`,
      `add_report p '<img src=x onerror="window.__pwned=6"> paragraph'`,
      `add_report table '[["mount","used"],["/","93%"]]'`,
    ].join('\n') + '\n',
  );
  const task = (id: string, title: string, script: string) =>
    `  - id: ${id}\n    title: ${title}\n    tags: [access:read-only, data:ui]\n    access: read-only\n    command: [/bin/sh, /codebundle/${script}]\n    timeoutSeconds: 60\n    resources: { cpu: 0.5, memoryMiB: 64, pids: 32 }\n`;
  writeFileSync(
    join(dir, 'codebundle.yaml'),
    [
      'apiVersion: airgap-runner.io/v1',
      `name: ${name}`,
      'version: 1.0.0',
      'description: UI end-to-end fixture.',
      'maintainer: Tests <tests@airgap-runner.invalid>',
      'tasks:',
      task('live', 'Count to five slowly', 'live.sh') +
        task('hostile', 'Print hostile output', 'hostile.sh') +
        task('read-file', 'Show the first lines of a file', 'read-file.sh') +
        '    config:\n      - { name: LOG, type: file, required: true }\n',
    ].join('\n'),
  );
  return dir;
}

describe('operations in Chromium: import, catalog, runs, audit export', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  const files = mkdtempSync(join(tmpdir(), 'airgap-e2e-ops-'));
  const fixtureName = `ui-fixture-${randomBytes(3).toString('hex')}`;
  let mirrorDir = '';
  const refs = new Map<string, string>();
  let admin: Page;

  // The wall clock, moved forward at the end to make the audit export overdue.
  let skew = 0;
  const clock = { now: () => new Date(Date.now() + skew) };

  before(async () => {
    harness = await startHarness({ clock });
    browser = await launchBrowser();
    console.log(`screenshots: ${SCREENSHOTS}`);
    if (!ENGINE_SKIP) {
      mirrorDir = join(files, 'mirror');
      for (const dir of [fixtureBundle(fixtureName), join(SAMPLES, 'service-restart')]) {
        const { sample } = await writeSignedSample(mirrorDir, dir, KEY);
        refs.set(sample.name, `${sample.repository}:${sample.version}`);
      }
    }
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await closeRunningHarness(harness, !ENGINE_SKIP);
    rmSync(files, { recursive: true, force: true });
  });

  const windows = new Windows(() => ({ browser, harness }));
  const open = () => windows.open();
  const signInFirstTime = (user: { name: string; first: string; password: string }) => windows.signInFirstTime(user);

  it('first-run setup, then the admin trusts the sample key and adds the team', async () => {
    admin = await windows.setup(ADMIN);

    const shell = new ShellPage(admin);
    await shell.open('Trust and policy');
    const trust = new TrustPage(admin);
    await trust.addKey(PUB, 'sample key');
    await shown(trust.status.filter({ hasText: /: added\./ }));
    await shown(trust.keys.getByText('sample key', { exact: false }));
    await shoot(admin, 'ops-01-trust-and-policy');

    for (const [user, role] of [
      [OPERATOR, 'operator'],
      [AUDITOR, 'auditor'],
      [VIEWER, 'viewer'],
    ] as const) {
      const added = await admin.evaluate(
        async ([name, password, r]) => await window.api!.call('users.add', { name, password, roles: [r] }),
        [user.name, user.first, role] as const,
      );
      assert.equal(added.ok, true, JSON.stringify(added));
    }
    await shell.open('Signing identity');
    await shown(new SigningIdentityPage(admin).current.getByText(/[0-9a-f]{2}(:[0-9a-f]{2}){8,}|[0-9a-f]{40,}/i));
    await shoot(admin, 'ops-02-signing-identity');
  });

  let operator: Page;

  it('the operator imports signed bundles from a mirror folder and sees signer, digest and policy', { skip: ENGINE_SKIP }, async () => {
    operator = await signInFirstTime(OPERATOR);
    const shell = new ShellPage(operator);
    await shell.open('Import', 'Import from a mirror');
    const page = new ImportPage(operator);
    harness.dialogs.open.push(mirrorDir);
    await page.listOciFolder();
    await shoot(operator, 'ops-03-import-list');

    await page.importRef(refs.get('service-restart')!);
    assert.match(await page.result.innerText(), /sha256:[0-9a-f]{64}/);
    assert.match(await page.result.innerText(), /verified/);
    await shown(page.result.getByRole('listitem').filter({ hasText: 'disabled' }));
    await shoot(operator, 'ops-04-import-result');
    await page.importRef(refs.get(fixtureName)!);
    await shown(page.result.getByRole('heading', { name: new RegExp(`${fixtureName} 1.0.0 imported`) }));
    // A folder typed into the page rather than picked in the dialog is refused by the bridge.
    const typed = await operator.evaluate(async (source) => await window.api!.call('mirror.list', { source }), `oci:${files}`);
    assert.equal(!typed.ok && typed.error.code, 'INVALID_INPUT');
  });

  it('the catalog shows the read-write task disabled by policy, and filters tasks', { skip: ENGINE_SKIP }, async () => {
    await new ShellPage(operator).open('Catalog');
    const catalog = new CatalogPage(operator);
    await shown(catalog.bundles.getByRole('rowheader', { name: 'service-restart' }));
    const row = catalog.taskRow('Restart');
    await shown(row.getByText('disabled', { exact: true }));
    assert.match(await row.innerText(), /access:read-write/);
    assert.equal(await row.getByRole('button', { name: /^Run / }).isDisabled(), true, 'a task the policy disables cannot be started');
    await shoot(operator, 'ops-05-catalog');
    // The bundles table fits its card at both sizes; digest, signer and size are in a row's details.
    const before = operator.viewportSize()!;
    try {
      for (const size of SIZES) {
        await operator.setViewportSize(size);
        assert.equal(
          await catalog.scrollsSideways(catalog.bundles),
          false,
          `the bundles table scrolls sideways at ${size.width}x${size.height}`,
        );
      }
      await operator.setViewportSize(SIZES[0]);
      const details = await catalog.toggleBundleDetails('service-restart 1.0.0');
      await shown(details.getByText('Digest', { exact: true }));
      assert.match(await details.innerText(), /sha256:/);
      assert.equal(await catalog.scrollsSideways(catalog.bundles), false, 'the details do not widen the bundles table');
      await shootSizes(operator, 'ops-05a-catalog-bundle-details');
      await catalog.toggleBundleDetails('service-restart 1.0.0');
      await details.waitFor({ state: 'detached' });
    } finally {
      await operator.setViewportSize(before);
    }
    // In a narrow window the tasks table scrolls sideways; its row actions stay in view.
    const size = operator.viewportSize()!;
    await operator.setViewportSize({ width: 800, height: 600 });
    try {
      assert.equal(await catalog.scrollsSideways(catalog.tasks), true, 'the tasks table is wider than its card at 800 pixels');
      for (const title of ['Count to five slowly', 'Show the first lines of a file'])
        assert.equal(await catalog.isInView(catalog.runButton(title)), true, `Run ${title} is in view`);
      await shoot(operator, 'ops-05b-catalog-narrow');
    } finally {
      await operator.setViewportSize(size);
    }
    await catalog.filter.fill('data:ui');
    await shown(operator.getByRole('status').filter({ hasText: /^3 of \d+ tasks/ }));
    await catalog.filter.fill('');
  });

  it('runs a task and watches its log live, then reads its issues and report', { skip: ENGINE_SKIP }, async () => {
    const catalog = new CatalogPage(operator);
    await catalog.runButton('Count to five slowly').click();
    const form = new RunFormDialog(operator);
    await shown(form.dialog);
    await shoot(operator, 'ops-06-run-form', { fullPage: false });
    await form.start();
    const run = new RunPage(operator);
    // Live: the first tick is on screen while the task is still running.
    await run.log.getByText(/tick/).first().waitFor({ timeout: 30_000 });
    const early = await run.log.innerText();
    assert.doesNotMatch(early, /^\d+\s*done$/m, 'the first line shows before the task ends');
    await shown(run.status.getByText('running', { exact: true }));
    await shoot(operator, 'ops-07-run-live');
    await run.waitForOutcome('succeeded');
    await shown(run.log.getByText('done', { exact: true }));
    // The colour escape became a styled span of text.
    assert.equal((await run.styleOf('tick')).includes('ansi-fg-6'), true);
  });

  it('task output with HTML, javascript: links and escape sequences is inert text', { skip: ENGINE_SKIP }, async () => {
    await new ShellPage(operator).open('Catalog');
    await new CatalogPage(operator).runButton('Print hostile output').click();
    await new RunFormDialog(operator).start();
    const run = new RunPage(operator);
    await run.waitForOutcome('succeeded');
    await shown(run.log.getByText('<script>window.__pwned=1</script><b>bold</b>'));
    await shown(run.log.getByText(/<a href="javascript:window.__pwned=2">click me<\/a>/));
    assert.ok((await run.styleOf('red text')).includes('ansi-fg-1'), 'red text is red');
    const boldGreen = await run.styleOf('bold green');
    assert.ok(boldGreen.includes('ansi-bold') && boldGreen.includes('ansi-fg-2'), `bold green is bold and green: ${boldGreen.join(' ')}`);
    // Non-colour sequences stay visible as text (the core spells ESC as ␛).
    await shown(run.log.getByText(/ESC\]8;;javascript:alert\(3\)/));
    await shown(run.log.getByText(/ESC\[2J clear/));
    // Issues, most severe first, with their next steps, as text.
    await shown(run.issues.getByText('<img src=x onerror=window.__pwned=3> disk nearly full'));
    const issues = await run.issues.getByRole('listitem').allInnerTexts();
    assert.match(issues[0]!, /^Major/);
    assert.match(issues[0]!, /Free space: <a href="javascript:window.__pwned=4">clean up<\/a>/);
    assert.match(issues[1]!, /^Info/);
    // The report: an `a` block is shown, never clickable; HTML stays text; a table is a table.
    await shown(run.report.getByText('javascript:window.__pwned=5'));
    await shown(run.report.getByText('<img src=x onerror="window.__pwned=6"> paragraph'));
    await shown(run.report.getByRole('cell', { name: '93%' }));
    const main = operator.getByRole('main');
    assert.equal(await main.locator('script, img, b, iframe, object, embed').count(), 0, 'no element came from task output');
    assert.equal(await main.locator('a[href^="javascript:"], [onerror], [onclick]').count(), 0);
    assert.equal(await operator.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await shoot(operator, 'ops-08-run-hostile-output');
  });

  it('a file variable is picked in the native dialog and mounted for the task', { skip: ENGINE_SKIP }, async () => {
    const picked = join(files, 'app.log');
    writeFileSync(picked, 'first line of the picked file\nsecond line\n');
    await new ShellPage(operator).open('Catalog');
    await new CatalogPage(operator).runButton('Show the first lines of a file').click();
    const form = new RunFormDialog(operator);
    harness.dialogs.open.push(picked);
    await form.chooseFile('LOG', picked);
    await form.start();
    const run = new RunPage(operator);
    await run.waitForOutcome('succeeded');
    await shown(run.log.getByText('first line of the picked file'));
    // A path typed into the page is refused by the bridge before the core sees it.
    const typed = await operator.evaluate(
      async (bundle) => await window.api!.call('runs.start', { bundle, task: 'read-file', files: { LOG: '/etc/passwd' } }),
      fixtureName,
    );
    assert.equal(!typed.ok && typed.error.code, 'INVALID_INPUT');
  });

  it('the vault takes a value from a picked file and never shows it', { skip: ENGINE_SKIP }, async () => {
    await new ShellPage(operator).open('Vault');
    const secret = 'kubeconfig-secret-value-0123456789';
    const vault = new VaultPage(operator);
    // Empty, the table keeps its name and headings and says so in its body.
    await shown(vault.items.getByText('The vault is empty.'));
    await vault.add('cluster-kubeconfig', { name: 'kubeconfig', value: secret });
    await shown(vault.status.filter({ hasText: 'cluster-kubeconfig added' }));
    await vault.bind('cluster-kubeconfig', fixtureName);
    await shown(vault.items.getByText(fixtureName));
    assert.ok(!(await operator.content()).includes(secret), 'the value is nowhere in the page');
    await shoot(operator, 'ops-11-vault');
  });

  it('run history filters runs; the dashboard shows recent runs, issues by severity and the engine', { skip: ENGINE_SKIP }, async () => {
    const shell = new ShellPage(operator);
    await shell.open('Runs');
    const runs = new RunsPage(operator);
    await shown(runs.table);
    // The table fills after the page answers: wait for its count before counting rows.
    await shown(runs.status.filter({ hasText: /^1–3 of 3 runs\b/ }));
    assert.equal(await runs.table.getByRole('row').count(), 4);
    await runs.search.fill('hostile');
    await shown(runs.status.filter({ hasText: /^1–1 of 1 run\b/ }));
    await shoot(operator, 'ops-09-runs');
    await shell.open('Dashboard');
    const dashboard = new DashboardPage(operator);
    await shown(dashboard.recentRuns.getByRole('link', { name: 'Print hostile output' }));
    await shown(dashboard.issuesBySeverity.getByText('Major'));
    await shown(dashboard.engine.getByText(/Runs (as|without) root/));
    await shoot(operator, 'ops-10-dashboard-operator');
  });

  it('an auditor exports the audit chain, sees it signed, confirms delivery and verifies the bundle', async () => {
    const auditor = await signInFirstTime(AUDITOR);
    const shell = new ShellPage(auditor);
    await shell.open('Audit export');
    const exp = new AuditExportPage(auditor);
    await shoot(auditor, 'ops-12-audit-export');
    const bundle = join(files, 'audit-1.tar.gz');
    harness.dialogs.save.push(bundle);
    await exp.choose('default');
    const preview = await exp.previewRedaction();
    assert.match(await preview.innerText(), /Events #1 to #\d+ of \d+ pending/);
    await shoot(auditor, 'ops-12b-audit-export-redaction-preview');
    await exp.start();
    const text = await exp.result.innerText();
    assert.match(text, /Export id\s+\S+/);
    assert.match(text, /default\/1/, 'the result names the rule set the details went through');
    assert.match(text, /events #1 to #\d+/);
    assert.ok(existsSync(bundle));
    await shoot(auditor, 'ops-13-audit-export-done');
    const exportId = /Export id\s+(\S+)/.exec(text)![1]!;
    await exp.confirmDelivered(exportId);
    await shown(exp.row(exportId).getByText(`confirmed by ${AUDITOR.name}`));

    await shell.open('Verify audit bundles');
    const verify = new VerifyPage(auditor);
    harness.dialogs.open.push(bundle);
    await verify.verify(1);
    const result = await verify.result.innerText();
    assert.match(result, /All 1 bundle verified/);
    assert.match(result, new RegExp(exportId));
    const identity = await auditor.evaluate(async () => await window.api!.call('audit.identity', {}));
    assert.ok(identity.ok);
    assert.ok(result.includes(identity.value.fingerprint), 'the signer fingerprint is shown');
    await shoot(auditor, 'ops-14-verify');
    // A path typed into the page is refused by the bridge.
    const typed = await auditor.evaluate(async (p) => await window.api!.call('audit.verify', { paths: [p] }), join(files, 'typed.tar.gz'));
    assert.equal(!typed.ok && typed.error.code, 'INVALID_INPUT');
  });

  it('a viewer is offered none of an operator’s controls', async () => {
    const viewer = await signInFirstTime(VIEWER);
    const shell = new ShellPage(viewer);
    assert.deepEqual(await shell.visibleScreens(), [
      'Dashboard',
      'Catalog',
      'Runs',
      'Issues',
      'Health',
      'Verify audit bundles',
      'Trust and policy',
      'Signing identity',
      'My account',
      'Help',
    ]);
    await shell.open('Catalog');
    await shown(new CatalogPage(viewer).tasks);
    assert.equal(await viewer.getByRole('button', { name: /^(Run |Revoke |Prune|Import)/ }).count(), 0);
    assert.equal(await viewer.getByRole('link', { name: 'Import from a mirror' }).count(), 0);
    await shoot(viewer, 'ops-15-catalog-viewer');
    await shell.open('Trust and policy');
    assert.equal(await viewer.getByRole('button', { name: /Add trust root|Allow|Deny|Add network|Remove key/ }).count(), 0);
    if (!ENGINE_SKIP) {
      await shell.open('Runs');
      await new RunsPage(viewer).link(/^r-/).first().click();
      await shown(new RunPage(viewer).log);
      assert.equal(await viewer.getByRole('button', { name: /Cancel run|Approve run/ }).count(), 0);
    }
    // The API refuses anyway.
    const start = await viewer.evaluate(async (bundle) => await window.api!.call('runs.start', { bundle, task: 'live' }), fixtureName);
    assert.equal(!start.ok && start.error.code, 'FORBIDDEN');
  });

  it('eight days later, the dashboard warns that an audit export is overdue', async () => {
    skew = 8 * 24 * 3600 * 1000;
    const page = await open();
    await new SignInPage(page).signIn(ADMIN.name, ADMIN.password);
    await shown(new DashboardPage(page).heading);
    await shown(
      new DashboardPage(page).alert.filter({ hasText: /Audit export overdue: the last export was .*, and exports are due every 7 days/ }),
    );
    await shoot(page, 'ops-16-dashboard-audit-overdue');
  });

  it('no page logged a CSP, Trusted Types or script error', () => {
    assert.deepEqual(windows.errors.flat(), []);
  });
});
