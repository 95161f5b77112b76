/** Page object for the Retention screen: the admin's limits, the dry run, and the purge with its confirm step. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RetentionPage extends BasePage {
  readonly heading: Locator;
  readonly limits: Locator;
  readonly purgeCard: Locator;
  readonly plan: Locator;
  readonly logsDays: Locator;
  readonly reportsDays: Locator;
  readonly save: Locator;
  readonly purgeButton: Locator;
  override readonly dialog: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Retention');
    this.limits = this.region('Limits');
    this.purgeCard = this.region('Purge');
    this.plan = this.purgeCard.getByLabel('What a purge would remove now');
    this.logsDays = page.getByLabel('Keep run logs (days)');
    this.reportsDays = page.getByLabel('Keep issues and reports (days)');
    this.save = page.getByRole('button', { name: 'Save limits' });
    this.purgeButton = page.getByRole('button', { name: 'Purge now…' });
    this.dialog = page.getByRole('dialog', { name: 'Purge run output for good?' });
  }

  async setLimits(logsDays: number, reportsDays: number): Promise<void> {
    await this.logsDays.fill(String(logsDays));
    await this.reportsDays.fill(String(reportsDays));
    await this.save.click();
    await this.status.filter({ hasText: 'Limits saved' }).waitFor();
  }

  /** Opens the confirm step; the caller looks at it, then confirms or cancels. */
  async openPurge(): Promise<void> {
    await this.purgeButton.click();
    await this.dialog.waitFor();
  }

  async confirmPurge(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Delete for good' }).click();
    await this.status.filter({ hasText: 'Purged the logs of' }).waitFor();
  }
}
