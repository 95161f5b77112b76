/**
 * The test identity provider's own sign-in page (SimpleSAMLphp's user name and password form), in
 * the sign-in window the app opened. Found by its labels and button text, as a user would.
 */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class IdpLoginPage extends BasePage {
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;

  constructor(page: Page) {
    super(page);
    this.username = page.getByLabel('Username');
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: /login/i });
  }

  async signIn(user: string, password: string): Promise<void> {
    await this.username.fill(user);
    await this.password.fill(password);
    await this.submit.click();
  }
}
