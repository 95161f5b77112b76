/** Help: the project's docs rendered in the app; topics in a navigation, the open doc as an article. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class HelpPage extends BasePage {
  readonly heading: Locator;
  readonly topics: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Help');
    this.topics = page.getByRole('navigation', { name: 'Help topics' });
  }

  topic(title: string | RegExp): Locator {
    return this.topics.getByRole('link', { name: title });
  }

  /** The doc shown, by its title. */
  doc(title: string | RegExp): Locator {
    return this.page.getByRole('article', { name: title });
  }
}
