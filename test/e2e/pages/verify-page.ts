/** Verify audit bundles: bundles picked in the native dialog, optionally against a CA; the result per bundle. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class VerifyPage extends BasePage {
  readonly heading: Locator;
  readonly result: Locator;
  readonly caCertificate: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Verify audit bundles');
    this.result = this.region('Verification result');
    this.caCertificate = page.getByLabel('CA certificate (optional, PEM)');
  }

  async verify(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.page.getByRole('button', { name: 'Add a bundle…' }).click();
      await this.page.getByRole('list', { name: 'Chosen bundles' }).getByRole('listitem').nth(i).waitFor();
    }
    await this.page.getByRole('button', { name: 'Verify', exact: true }).click();
    await this.result.waitFor();
  }
}
