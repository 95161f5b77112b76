/** The dashboard: the store check, the engine now, open issues, recent runs. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class DashboardPage extends BasePage {
  readonly heading: Locator;
  readonly storeCheck: Locator;
  readonly engine: Locator;
  readonly openIssues: Locator;
  readonly recentRuns: Locator;
  readonly issuesBySeverity: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Dashboard');
    this.storeCheck = this.region('Store check');
    this.engine = this.region('Engine status');
    this.openIssues = this.region('Open issues');
    this.recentRuns = page.getByRole('list', { name: 'Recent runs' });
    this.issuesBySeverity = page.getByRole('list', { name: 'Issues by severity' });
  }
}
