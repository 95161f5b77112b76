/**
 * The operator's day through the UI, in Debian's Chromium, against a real core and encrypted store:
 * first-run setup, sign-in and out, users and roles, settings, backup, the idle lock, and what a
 * viewer and an auditor see. Every screen is saved in light and dark under test-results/screenshots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot, SCREENSHOTS } from './browser';
import {
  AuditPage,
  BackupPage,
  ChangePasswordPage,
  DashboardPage,
  LockPage,
  RecoveryKeyPage,
  SettingsPage,
  SetupPage,
  ShellPage,
  SignInPage,
  UsersPage,
} from './pages';
import { shown } from './windows';

const ADMIN = { name: 'alice', password: 'correct horse battery staple' };
const VIEWER = { name: 'vera', first: 'first-password-vera', password: 'vera chooses her own words' };
const AUDITOR = { name: 'audrey', first: 'first-password-audrey', password: 'audrey keeps the ledger' };

async function text(locator: Locator): Promise<string> {
  await shown(locator);
  return (await locator.innerText()).trim();
}

describe('desktop UI in Chromium', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page; errors: string[] };
  const others: BrowserContext[] = [];
  const files = mkdtempSync(join(tmpdir(), 'airgap-e2e-files-'));

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    console.log(`screenshots: ${SCREENSHOTS}`);
  });

  after(async () => {
    for (const c of others) await c.close();
    await admin?.context.close();
    await browser?.close();
    await harness?.close();
    rmSync(files, { recursive: true, force: true });
  });

  async function signInAs(user: { name: string; password: string }): Promise<{ page: Page; errors: string[] }> {
    const app = await openApp(browser, harness);
    others.push(app.context);
    await new SignInPage(app.page).signIn(user.name, user.password);
    return app;
  }

  it('first-run setup shows the recovery key once, then the dashboard', async () => {
    admin = await openApp(browser, harness);
    const page = admin.page;
    const setup = new SetupPage(page);
    await shown(setup.heading);
    await shoot(page, '01-setup');

    // The form checks input with the contract's own schema before anything is created.
    await setup.createAdmin(ADMIN.name, 'too short');
    await shown(page.getByText('a password needs at least 12 characters'));
    await shoot(page, '02-setup-errors');

    await setup.createAdmin(ADMIN.name, ADMIN.password);
    const recovery = new RecoveryKeyPage(page);
    // Creating the store derives keys with scrypt: slow on a loaded machine.
    await recovery.heading.waitFor({ timeout: 60_000 });
    assert.match(await recovery.keyText(), /^([A-Z2-9]{5}-){10}[A-Z2-9]{1,5}$/);
    assert.equal(await recovery.continue.isDisabled(), true, 'continue waits for the confirmation');
    await shoot(page, '03-recovery-key');
    await recovery.stored.check();
    await recovery.continue.click();

    const dashboard = new DashboardPage(page);
    await shown(dashboard.heading);
    await shown(dashboard.storeCheck.getByText('Store healthy'));
    assert.match(await text(dashboard.storeCheck), /Unbroken: \d+ events/);
    await shoot(page, '04-dashboard-admin');
  });

  it('signs out, refuses a wrong password with the core message, signs in', async () => {
    const page = admin.page;
    const shell = new ShellPage(page);
    await shell.signOut();
    const signIn = new SignInPage(page);
    await shown(signIn.heading);
    await shown(page.getByText('You signed out.'));
    await shoot(page, '05-sign-in');

    await signIn.signIn(ADMIN.name, 'not the password at all');
    assert.equal(await text(signIn.error), 'Wrong user name or password. Check both and try again.');
    await shoot(page, '06-sign-in-error');

    await signIn.signIn(ADMIN.name, ADMIN.password);
    await shown(new DashboardPage(page).heading);
    assert.match(await text(shell.user), /alice/);
  });

  it('admin adds users with roles, changes roles, resets a password and removes a user', async () => {
    const page = admin.page;
    const shell = new ShellPage(page);
    await shell.open('Users and roles');
    const users = new UsersPage(page);

    await users.addUser('x', [], 'short');
    await shown(users.addForm.getByText('give at least one role'));
    await shown(users.addForm.getByText('a password needs at least 12 characters'));

    await users.addUser(VIEWER.name, ['Viewer'], VIEWER.first);
    await shown(users.status.filter({ hasText: `${VIEWER.name} added` }));
    await users.addUser(AUDITOR.name, ['Auditor'], AUDITOR.first);
    await shown(users.row(AUDITOR.name));
    await users.addUser('temp-operator', ['Operator', 'Viewer'], 'a temporary password');
    await shown(users.row('temp-operator'));
    assert.match(await text(users.row(VIEWER.name)), /Must change password/);
    await shoot(page, '07-users');

    // A sortable column's heading is a button; the heading says the order to screen readers.
    assert.equal(await users.sortOf('Name'), null);
    await users.sortBy('Name');
    assert.equal(await users.sortOf('Name'), 'ascending');
    assert.deepEqual(await users.names(), [ADMIN.name, AUDITOR.name, 'temp-operator', VIEWER.name]);
    await users.sortBy('Name');
    assert.equal(await users.sortOf('Name'), 'descending');
    assert.deepEqual(await users.names(), [VIEWER.name, 'temp-operator', AUDITOR.name, ADMIN.name]);
    await users.sortBy('Status');
    assert.equal(await users.sortOf('Name'), null, 'one column sorts at a time');
    assert.deepEqual((await users.names()).slice(0, 1), [ADMIN.name], 'Active before Must change password');

    await users.openChangeRoles('temp-operator');
    await shown(users.dialog);
    await shoot(page, '08-users-change-roles', { fullPage: false });
    await users.dialog.getByRole('checkbox', { name: /^Operator\b/ }).uncheck();
    await users.dialog.getByRole('button', { name: 'Save roles' }).click();
    await shown(users.status.filter({ hasText: 'Roles of temp-operator changed.' }));
    // The table reloads after the status line: wait for the role to leave the row.
    await users.row('temp-operator').getByText('Operator', { exact: true }).waitFor({ state: 'detached' });
    assert.doesNotMatch(await text(users.row('temp-operator')), /Operator/);

    await users.resetPassword('temp-operator', 'another temporary password');
    await shown(users.status.filter({ hasText: 'Password of temp-operator reset' }));

    await users.openRemove('temp-operator');
    await shown(users.dialog);
    await shoot(page, '09-users-remove-confirm', { fullPage: false });
    await users.dialog.getByRole('button', { name: 'Remove temp-operator' }).click();
    await shown(users.status.filter({ hasText: 'temp-operator was removed' }));
    // The table reloads after the status line: wait for the row to go.
    await users.row('temp-operator').waitFor({ state: 'detached' });
    assert.equal(await users.row('temp-operator').count(), 0);
    // An admin cannot remove themselves: the control is not offered.
    assert.equal(await page.getByRole('button', { name: `Remove ${ADMIN.name}`, exact: true }).count(), 0);
  });

  it('settings are saved, and text from the core is shown as text, never as HTML', async () => {
    const page = admin.page;
    const shell = new ShellPage(page);
    await shell.open('Settings');
    const settings = new SettingsPage(page);
    const hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    await settings.siteName.fill(hostile);
    await settings.save.click();
    await shown(settings.status.filter({ hasText: 'Settings saved.' }));
    await shown(shell.siteName(hostile));
    // Nothing was made of the text: no image, no bold, in the sidebar that shows it.
    assert.equal(await shell.sidebar.getByRole('img').count(), 0);
    assert.equal(await shell.sidebar.locator('img, b').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);

    await settings.siteName.fill('North DC — hall 2');
    await settings.idleMinutes.fill('0');
    await settings.save.click();
    await shown(settings.alert.filter({ hasText: 'Invalid value for session.idleMinutes' }));
    await settings.idleMinutes.fill('10');
    await settings.save.click();
    await shown(settings.status.filter({ hasText: 'Settings saved.' }));
    await shown(shell.siteName('North DC — hall 2'));
    // Typed controls: a list one item a line, a switch, a choice; each saved as the core's type.
    await page.getByLabel('Site domains').fill('corp.example.com\n  dc2.example.net  \n');
    await page.getByRole('checkbox', { name: /Read-write runs need a second person/ }).check();
    await page.getByLabel('Rule set for AI summary prompts').selectOption('strict');
    // Each group has its own Save: the General one has nothing to save now.
    assert.equal(await settings.save.isDisabled(), true);
    await settings.saveGroup('Redaction').click();
    await shown(settings.status.filter({ hasText: 'Redaction settings saved.' }));
    await settings.saveGroup('Engine and runner').click();
    await shown(settings.status.filter({ hasText: 'Engine and runner settings saved.' }));
    const saved = await page.evaluate(async () => await window.api!.call('settings.get', {}));
    assert.ok(saved.ok);
    assert.deepEqual(saved.value.settings['redact.siteDomains'], ['corp.example.com', 'dc2.example.net']);
    assert.equal(saved.value.settings['runner.requireApproval'], true);
    assert.equal(saved.value.settings['redact.ruleSet.llm'], 'strict');
    await page.getByRole('checkbox', { name: /Read-write runs need a second person/ }).uncheck();
    await settings.saveGroup('Engine and runner').click();
    await shown(settings.status.filter({ hasText: 'Engine and runner settings saved.' }).last());
    await shoot(page, '10-settings');
  });

  it('backup goes where the native dialog said, and only there', async () => {
    const page = admin.page;
    const shell = new ShellPage(page);
    await shell.open('Backup');
    const backup = new BackupPage(page);
    const target = join(files, 'workstation.arb');
    harness.dialogs.save.push(target);
    await backup.choose.click();
    await shown(backup.result);
    assert.match(await text(backup.result), /[0-9a-f]{64}/);
    assert.ok(existsSync(target));
    await shoot(page, '11-backup');

    // A path the user did not pick in a dialog is refused by the bridge, even from script in the page.
    const refused = await page.evaluate(async (outPath) => await window.api!.call('store.backup', { outPath }), join(files, 'typed.arb'));
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, 'INVALID_INPUT');
    assert.ok(!existsSync(join(files, 'typed.arb')));
  });

  it('the lock button and the idle timer lock the window; the password unlocks it', async () => {
    const page = admin.page;
    const shell = new ShellPage(page);
    await shell.lockButton.click();
    const lock = new LockPage(page);
    await shown(lock.heading);
    await shoot(page, '12-lock');
    await lock.unlockWith(ADMIN.password);
    await shown(shell.nav);

    // Idle: fake the page's clock, reload (the window keeps its session), and let 10 minutes pass.
    await page.clock.install();
    await page.reload();
    await shown(shell.nav);
    await page.clock.fastForward('10:05');
    await shown(lock.heading);
    await shown(page.getByText('Locked after 10 minutes without activity.'));
    // The session really ended in the core: the page cannot call a signed-in operation.
    const whoami = await page.evaluate(async () => await window.api!.call('auth.whoami', {}));
    assert.equal(!whoami.ok && whoami.error.code, 'UNAUTHENTICATED');
    await lock.unlockWith(ADMIN.password);
    await shown(shell.nav);
  });

  it('a viewer must change the first password, then is offered no admin or audit screens', async () => {
    const { page, errors } = await signInAs({ name: VIEWER.name, password: VIEWER.first });
    const change = new ChangePasswordPage(page);
    await shown(change.heading);
    await shoot(page, '13-change-password');
    await change.change(VIEWER.first, VIEWER.password);

    const shell = new ShellPage(page);
    await shown(new DashboardPage(page).heading);
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
    await shoot(page, '14-dashboard-viewer');
    await shell.open('My account');
    await shoot(page, '15-account');

    // The API refuses anyway, whatever the page tries.
    const listed = await page.evaluate(async () => await window.api!.call('users.list', {}));
    assert.equal(!listed.ok && listed.error.code, 'FORBIDDEN');
    const unknown = await page.evaluate(async () => await window.api!.call('no.such.op' as 'users.list', {}));
    assert.equal(!unknown.ok && unknown.error.code, 'NOT_FOUND');
    assert.deepEqual(errors, []);
  });

  it('an auditor browses and filters the audit trail, sees live events, and the chain check passes', async () => {
    const { page, errors } = await signInAs({ name: AUDITOR.name, password: AUDITOR.first });
    await new ChangePasswordPage(page).change(AUDITOR.first, AUDITOR.password);
    const shell = new ShellPage(page);
    await shown(new DashboardPage(page).heading);
    assert.deepEqual(await shell.visibleScreens(), [
      'Dashboard',
      'Catalog',
      'Runs',
      'Issues',
      'Health',
      'Audit trail',
      'Audit export',
      'Verify audit bundles',
      'Trust and policy',
      'Signing identity',
      'My account',
      'Help',
    ]);

    await shell.open('Audit trail');
    const audit = new AuditPage(page);
    await shown(audit.table);
    await shown(audit.events.nth(24));
    const newest = await audit.actions();
    assert.equal(newest.length, 25, 'one page of 25 events');
    for (const expected of ['auth.changePassword', 'store.backup', 'settings.set'])
      assert.ok(newest.includes(expected), `${expected} in ${newest.join(', ')}`);
    // The oldest page ends with the genesis event that binds the chain to this workstation.
    await audit.goToOldest();
    await audit.actionRecordedAs('audit.genesis').waitFor();
    assert.equal(await audit.actionRecordedAs('audit.genesis').innerText(), 'Audit trail started', 'in words, the code in the tooltip');
    await audit.newer.click();
    await audit.actionRecordedAs('auth.changePassword').first().waitFor();

    await audit.checkChain.click();
    await shown(audit.chain.getByText(/Chain intact: \d+ events checked/));
    await shoot(page, '16-audit');

    await audit.filterByAction('users.remove');
    assert.deepEqual(await audit.actions(), ['users.remove']);
    await shown(audit.table.getByRole('cell', { name: 'User temp-operator', exact: true }));
    await audit.filterByAction('users.add');
    assert.deepEqual(await audit.actions(), ['users.add', 'users.add', 'users.add']);

    // An admin acts in another window; the auditor's page hears about it through the subscription.
    await admin.page.evaluate(async () => await window.api!.call('settings.set', { key: 'audit.exportOverdueDays', value: 3 }));
    await shown(audit.newEvents);
    await shoot(page, '17-audit-live');
    assert.deepEqual(errors, []);
  });

  it('no page logged a CSP, Trusted Types or script error', () => {
    assert.deepEqual(admin.errors, []);
  });
});
