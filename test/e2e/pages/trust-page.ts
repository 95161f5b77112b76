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

  /** Types tag patterns and presses Allow…, Deny… or Reset to default…: a preview dialog opens, nothing is saved yet. */
  async proposePolicy(change: 'Allow…' | 'Deny…' | 'Reset to default…', patterns = ''): Promise<void> {
    if (patterns) await this.page.getByLabel('Tag patterns').fill(patterns);
    await this.page.getByRole('button', { name: change, exact: true }).click();
    await this.dialog.waitFor();
  }

  /** In the preview dialog: the list of tasks that would become usable or unusable. */
  previewSection(name: 'Become usable' | 'Become unusable'): Locator {
    return this.dialog.getByRole('region', { name, exact: true });
  }

  async addKey(pem: string, comment: string): Promise<void> {
    await this.page.getByLabel('Public key (PEM, cosign.pub)').fill(pem);
    await this.page.getByLabel('Comment').fill(comment);
    await this.page.getByRole('button', { name: 'Add trust root' }).click();
  }
}
