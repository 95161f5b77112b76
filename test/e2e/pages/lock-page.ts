/** The lock screen (the lock button, or the idle timer): the password unlocks. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class LockPage extends BasePage {
  readonly heading: Locator;
  readonly password: Locator;
  readonly unlock: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Locked');
    this.password = page.getByLabel('Password', { exact: true });
    this.unlock = page.getByRole('button', { name: 'Unlock' });
  }

  async unlockWith(password: string): Promise<void> {
    await this.password.fill(password);
    await this.unlock.click();
  }
}
