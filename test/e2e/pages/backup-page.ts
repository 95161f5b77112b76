/** Backup: the file is chosen in the native dialog, and the result names its hash. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class BackupPage extends BasePage {
  readonly heading: Locator;
  readonly choose: Locator;
  readonly result: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Backup');
    this.choose = page.getByRole('button', { name: 'Choose where to save…' });
    this.result = this.status.filter({ hasText: 'Backup written.' });
  }
}
