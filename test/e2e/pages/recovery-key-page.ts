/** The recovery key, shown once after setup, and the confirmation that it was stored. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RecoveryKeyPage extends BasePage {
  readonly heading: Locator;
  readonly key: Locator;
  readonly stored: Locator;
  readonly continue: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Store your recovery key');
    this.key = page.getByRole('status', { name: 'Recovery key' });
    this.stored = page.getByRole('checkbox', { name: 'I have stored the recovery key in a safe place' });
    this.continue = page.getByRole('button', { name: 'Continue to Airgap Runner' });
  }

  /** The key as the operator copies it: its groups joined by '-'. */
  async keyText(): Promise<string> {
    return (await this.key.innerText()).trim().split(/\s+/).join('-');
  }
}
