/** Page objects for the signed-in screens: they read like an operator's steps. */
import type { Locator, Page } from 'playwright-core';

export class DashboardPage {
  readonly heading: Locator;
  readonly storeCheck: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Dashboard' });
    this.storeCheck = page.getByRole('region', { name: 'Store check' });
  }
}

export class UsersPage {
  readonly heading: Locator;
  readonly addForm: Locator;
  readonly table: Locator;
  readonly status: Locator;
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Users and roles' });
    this.addForm = page.getByRole('region', { name: 'Add a user' });
    this.table = page.getByRole('table', { name: 'Users of this workstation' });
    this.status = page.getByRole('status');
    this.dialog = page.getByRole('dialog');
  }

  row(name: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }

  async addUser(name: string, roles: string[], password: string): Promise<void> {
    const form = this.addForm;
    await form.getByLabel('User name').fill(name);
    for (const role of ['Admin', 'Operator', 'Auditor', 'Viewer']) {
      await form.getByRole('checkbox', { name: new RegExp(`^${role}\\b`) }).setChecked(roles.includes(role));
    }
    await form.getByLabel('First password').fill(password);
    await form.getByRole('button', { name: 'Add user' }).click();
  }

  async openChangeRoles(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Change roles of ${name}` }).click();
  }

  async resetPassword(name: string, password: string): Promise<void> {
    await this.page.getByRole('button', { name: `Reset password of ${name}` }).click();
    await this.dialog.getByLabel('Temporary password').fill(password);
    await this.dialog.getByRole('button', { name: 'Reset password' }).click();
  }

  async openRemove(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Remove ${name}`, exact: true }).click();
  }
}

export class SettingsPage {
  readonly heading: Locator;
  readonly siteName: Locator;
  readonly idleMinutes: Locator;
  readonly save: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Settings' });
    this.siteName = page.getByLabel('Site name');
    this.idleMinutes = page.getByLabel('Lock after idle minutes');
    this.save = page.getByRole('button', { name: 'Save settings' });
    this.status = page.getByRole('status');
  }
}

export class AuditPage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly action: Locator;
  readonly actor: Locator;
  readonly apply: Locator;
  readonly checkChain: Locator;
  readonly chain: Locator;
  readonly newEvents: Locator;
  readonly older: Locator;
  readonly newer: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Audit trail' });
    this.table = page.getByRole('table', { name: 'Audit events, newest first' });
    this.action = page.getByLabel('Action');
    this.actor = page.getByLabel('Actor');
    this.apply = page.getByRole('button', { name: 'Apply filters' });
    this.checkChain = page.getByRole('button', { name: 'Check chain' });
    this.chain = page.getByRole('region', { name: 'Chain' });
    this.newEvents = page.getByRole('status').filter({ hasText: /new events? since/ });
    const pager = page.getByRole('navigation', { name: 'Audit pages' });
    this.older = pager.getByRole('button', { name: 'Older' });
    this.newer = pager.getByRole('button', { name: 'Newer' });
  }

  async actions(): Promise<string[]> {
    return await this.table.locator('tbody tr td:nth-child(4)').allInnerTexts();
  }

  /** Pages back with "Older" until there is nothing older. */
  async goToOldest(): Promise<void> {
    const range = this.page.getByRole('navigation', { name: 'Audit pages' }).locator('span');
    while (await this.older.isEnabled()) {
      const before = await range.innerText();
      await this.older.click();
      await this.page.waitForFunction(([el, text]) => el?.textContent !== text, [await range.elementHandle(), before] as const);
    }
  }

  /** Applies the filter and waits until every row shown is of that action. */
  async filterByAction(action: string): Promise<void> {
    await this.action.fill(action);
    await this.apply.click();
    const others = this.table
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell') })
      .filter({ hasNot: this.page.getByRole('cell', { name: action, exact: true }) });
    await others.first().waitFor({ state: 'detached' });
  }
}

export class BackupPage {
  readonly heading: Locator;
  readonly choose: Locator;
  readonly result: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Backup' });
    this.choose = page.getByRole('button', { name: 'Choose where to save…' });
    this.result = page.getByRole('status').filter({ hasText: 'Backup written.' });
  }
}
