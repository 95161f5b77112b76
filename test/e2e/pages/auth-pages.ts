/** Page objects for the screens before the shell: setup, recovery key, sign-in, password change, lock. */
import type { Locator, Page } from 'playwright-core';

export class SetupPage {
  readonly heading: Locator;
  readonly adminName: Locator;
  readonly password: Locator;
  readonly confirm: Locator;
  readonly create: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Set up this workstation' });
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

export class RecoveryKeyPage {
  readonly heading: Locator;
  readonly key: Locator;
  readonly stored: Locator;
  readonly continue: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Store your recovery key' });
    this.key = page.getByRole('status', { name: 'Recovery key' });
    this.stored = page.getByRole('checkbox', { name: 'I have stored the recovery key in a safe place' });
    this.continue = page.getByRole('button', { name: 'Continue to Airgap Runner' });
  }

  async keyText(): Promise<string> {
    return (await this.key.locator('.recovery-group').allInnerTexts()).join('-');
  }
}

export class SignInPage {
  readonly heading: Locator;
  readonly name: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Sign in', exact: true });
    this.name = page.getByLabel('User name');
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
    this.error = page.getByRole('alert');
  }

  async signIn(name: string, password: string): Promise<void> {
    await this.name.fill(name);
    await this.password.fill(password);
    await this.submit.click();
  }
}

export class ChangePasswordPage {
  readonly heading: Locator;
  readonly current: Locator;
  readonly next: Locator;
  readonly confirm: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Choose a new password' });
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

export class LockPage {
  readonly heading: Locator;
  readonly password: Locator;
  readonly unlock: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Locked' });
    this.password = page.getByLabel('Password', { exact: true });
    this.unlock = page.getByRole('button', { name: 'Unlock' });
  }

  async unlockWith(password: string): Promise<void> {
    await this.password.fill(password);
    await this.unlock.click();
  }
}
