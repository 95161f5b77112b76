/** Page object for the Retention screen: the admin's limits, the dry run, and the purge with its confirm step. */
import type { Locator, Page } from 'playwright-core';

export class RetentionPage {
  readonly heading: Locator;
  readonly limits: Locator;
  readonly purgeCard: Locator;
  readonly plan: Locator;
  readonly logsDays: Locator;
  readonly reportsDays: Locator;
  readonly save: Locator;
  readonly purgeButton: Locator;
  readonly dialog: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Retention' });
    this.limits = page.getByRole('region', { name: 'Limits' });
    this.purgeCard = page.getByRole('region', { name: 'Purge' });
    this.plan = this.purgeCard.getByLabel('What a purge would remove now');
    this.logsDays = page.getByLabel('Keep run logs (days)');
    this.reportsDays = page.getByLabel('Keep issues and reports (days)');
    this.save = page.getByRole('button', { name: 'Save limits' });
    this.purgeButton = page.getByRole('button', { name: 'Purge now…' });
    this.dialog = page.getByRole('dialog', { name: 'Purge run output for good' });
    this.status = page.getByRole('status');
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
