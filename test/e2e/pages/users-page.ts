/** Users and roles: the table of users with their row actions, and the form that adds one. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class UsersPage extends BasePage {
  readonly heading: Locator;
  readonly addForm: Locator;
  readonly table: Locator;
  /** Roles sign-ins through the identity provider or directory gave or took, waiting for an admin. */
  readonly roleChanges: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Users and roles');
    this.roleChanges = this.tableNamed('Role changes waiting for an admin');
    this.addForm = this.region('Add a user');
    this.table = this.tableNamed('Users of this workstation');
  }

  row(name: string): Locator {
    return this.rowIn(this.table, name);
  }

  /** The user names in the order the table shows them. */
  async names(): Promise<string[]> {
    return (await this.table.getByRole('rowheader').allInnerTexts()).map((t) => t.trim());
  }

  /** Presses a column's heading to sort by it. */
  async sortBy(column: string): Promise<void> {
    await this.table.getByRole('button', { name: column, exact: true }).click();
  }

  /** `ascending`, `descending`, or null when the table is not sorted by this column. */
  async sortOf(column: string): Promise<string | null> {
    return await this.table.getByRole('columnheader', { name: column, exact: true }).getAttribute('aria-sort');
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

  /** Grant (a new role) or Confirm (a lost one) in the role-changes table, through its confirm step. */
  async settleRoleChange(button: string, confirm: 'Grant role' | 'Confirm'): Promise<void> {
    await this.roleChanges.getByRole('button', { name: button }).click();
    await this.dialog.getByRole('button', { name: confirm, exact: true }).click();
  }
}
