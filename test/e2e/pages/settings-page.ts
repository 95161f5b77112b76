/** Settings: the site's typed settings in groups, each group saved on its own. */
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
    this.save = this.saveGroup('General');
  }

  /** A group's card ("General", "Engine and runner", …). */
  group(name: string): Locator {
    return this.region(name);
  }

  saveGroup(name: string): Locator {
    return this.group(name).getByRole('button', { name: `Save ${name.toLowerCase()} settings` });
  }
}
