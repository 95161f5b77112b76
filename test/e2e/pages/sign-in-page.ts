/** Sign-in: user name and password; a refusal is said in an alert. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class SignInPage extends BasePage {
  readonly heading: Locator;
  readonly name: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly error: Locator;
  /** The second step when the account has TOTP. */
  readonly code: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Sign in');
    this.name = page.getByLabel('User name');
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
    this.error = this.alert;
    this.code = page.getByLabel('Code from your authenticator app');
  }

  async signIn(name: string, password: string): Promise<void> {
    await this.name.fill(name);
    await this.password.fill(password);
    await this.submit.click();
  }
}
