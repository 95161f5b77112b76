/** Settings: the site's typed settings, saved together. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class SettingsPage extends BasePage {
  readonly heading: Locator;
  readonly siteName: Locator;
  readonly idleMinutes: Locator;
  readonly save: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Settings');
    this.siteName = page.getByLabel('Site name');
    this.idleMinutes = page.getByLabel('Lock after idle minutes');
    this.save = page.getByRole('button', { name: 'Save settings' });
  }
}
