/** Signing identity: the key that signs audit exports, and replacing it (generated, or a PKCS#12 from the site CA). */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class SigningIdentityPage extends BasePage {
  readonly heading: Locator;
  readonly current: Locator;
  override readonly dialog: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Signing identity');
    this.current = this.region('Current identity');
    this.dialog = page.getByRole('dialog', { name: 'Replace the signing identity' });
  }

  /** Opens the replace dialog, picks the PKCS#12 file (the harness answers the dialog) and types its password. */
  async choosePkcs12(path: string, password: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Replace identity…' }).click();
    await this.dialog.getByRole('radio', { name: 'Import from our CA (PKCS#12)' }).check();
    await this.dialog.getByRole('button', { name: 'Choose PKCS#12 file…' }).click();
    await this.dialog.getByLabel('Chosen PKCS#12 file').filter({ hasText: path }).waitFor();
    await this.dialog.getByLabel('PKCS#12 password').fill(password);
  }

  /** Opens the replace dialog and fills in a key on a token (the harness answers the library's file dialog). */
  async chooseToken(token: { module: string; token: string; keyLabel: string; generate: boolean }): Promise<void> {
    await this.page.getByRole('button', { name: 'Replace identity…' }).click();
    await this.dialog.getByRole('radio', { name: 'A key on a hardware token' }).check();
    await this.dialog.getByRole('button', { name: 'Choose PKCS#11 library…' }).click();
    await this.dialog.getByLabel('Chosen PKCS#11 library').filter({ hasText: token.module }).waitFor();
    await this.dialog.getByLabel('Token label').fill(token.token);
    await this.dialog.getByLabel('Key label').fill(token.keyLabel);
    await this.dialog.getByRole('checkbox', { name: /^Make a new key on the token/ }).setChecked(token.generate);
  }

  async importAndReplace(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Import and replace' }).click();
  }
}
