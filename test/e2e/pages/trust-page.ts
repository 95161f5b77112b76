/** Trust and policy: the keys bundles must be signed with, the tag policy, the networks. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class TrustPage extends BasePage {
  readonly heading: Locator;
  readonly keys: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Trust and policy');
    this.keys = page.getByRole('list', { name: 'Trusted keys' });
  }

  async addKey(pem: string, comment: string): Promise<void> {
    await this.page.getByLabel('Public key (PEM, cosign.pub)').fill(pem);
    await this.page.getByLabel('Comment').fill(comment);
    await this.page.getByRole('button', { name: 'Add trust root' }).click();
  }
}
