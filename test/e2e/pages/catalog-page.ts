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
    // One table, a group of rows per bundle version ("Tasks of host-health 1.0.0").
    this.tasks = this.tableNamed('Tasks');
    this.filter = page.getByLabel('Filter tasks');
  }

  /** The tasks of one bundle version, e.g. `host-health 1.0.0`: a group of rows in the tasks table. */
  tasksOf(bundle: string): Locator {
    return this.tasks.getByRole('rowgroup', { name: `Tasks of ${bundle}`, exact: true });
  }

  taskRow(title: string): Locator {
    return this.rowIn(this.tasks, new RegExp(`^${title}`));
  }

  /** The link to a task's own page. */
  taskLink(title: string): Locator {
    return this.tasks.getByRole('link', { name: title, exact: true });
  }

  /** Opens (or closes) a bundle version's details under its row, e.g. `host-health 1.0.0`; returns them. */
  async toggleBundleDetails(bundle: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Details of ${bundle}`, exact: true }).click();
    return this.bundles.getByLabel(`About ${bundle}`, { exact: true });
  }

  runButton(title: string): Locator {
    return this.page.getByRole('button', { name: `Run ${title}`, exact: true });
  }
}
