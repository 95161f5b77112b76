/** The password change a user must make at first sign-in (or after a reset). */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class ChangePasswordPage extends BasePage {
  readonly heading: Locator;
  readonly current: Locator;
  readonly next: Locator;
  readonly confirm: Locator;
  readonly submit: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Choose a new password');
    this.current = page.getByLabel('Password you were given');
    this.next = page.getByLabel('New password', { exact: true });
    this.confirm = page.getByLabel('Confirm new password');
    this.submit = page.getByRole('button', { name: 'Change password and continue' });
  }

  async change(current: string, next: string): Promise<void> {
    await this.current.fill(current);
    await this.next.fill(next);
    await this.confirm.fill(next);
    await this.submit.click();
  }
}
