/** Run history: every run, newest first, with filters. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RunsPage extends BasePage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly search: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Runs');
    this.table = this.tableNamed('Runs');
    this.search = page.getByLabel('Search');
  }

  /** The row of a run, by its id. */
  row(id: string): Locator {
    return this.rowIn(this.table, id);
  }

  /** The link that opens a run. */
  link(id: string | RegExp): Locator {
    return this.table.getByRole('link', { name: id });
  }
}
