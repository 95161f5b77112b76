/** First-run setup: the administrator and the password that opens the store. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class SetupPage extends BasePage {
  readonly heading: Locator;
  readonly adminName: Locator;
  readonly password: Locator;
  readonly confirm: Locator;
  readonly create: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Set up this workstation');
    this.adminName = page.getByLabel('Administrator name');
    this.password = page.getByLabel('Password', { exact: true });
    this.confirm = page.getByLabel('Confirm password');
    this.create = page.getByRole('button', { name: 'Create store' });
  }

  async createAdmin(name: string, password: string, confirm = password): Promise<void> {
    await this.adminName.fill(name);
    await this.password.fill(password);
    await this.confirm.fill(confirm);
    await this.create.click();
  }
}
