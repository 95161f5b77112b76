/** The catalog: imported bundles, and the tasks the policy lets run, with their filter. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class CatalogPage extends BasePage {
  readonly heading: Locator;
  readonly bundles: Locator;
  readonly tasks: Locator;
  readonly filter: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Catalog');
    this.bundles = this.tableNamed('Imported bundles');
    this.tasks = this.tableNamed('Tasks');
    this.filter = page.getByLabel('Filter tasks');
  }

  taskRow(title: string): Locator {
    return this.rowIn(this.tasks, new RegExp(`^${title}`));
  }

  runButton(title: string): Locator {
    return this.page.getByRole('button', { name: `Run ${title}`, exact: true });
  }
}
