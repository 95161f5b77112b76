/** Page object for the Nodes screen: the enrolled nodes, and Remove / Prune images with their confirm step. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';
import { ConfirmDialog } from './confirm-dialog';

export class NodesPage extends BasePage {
  readonly heading: Locator;
  readonly table: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Nodes');
    this.table = this.tableNamed('Enrolled nodes');
  }

  row(name: string): Locator {
    return this.rowIn(this.table, name);
  }

  /** Opens (or closes) a node's details under its row; returns them. */
  async toggleDetails(name: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Details of ${name}`, exact: true }).click();
    return this.table.getByLabel(`About ${name}`, { exact: true });
  }

  /** Opens the confirm step for removing `name`; the caller looks at it, then confirms or cancels. */
  async openRemove(name: string): Promise<ConfirmDialog> {
    await this.page.getByRole('button', { name: `Remove ${name}`, exact: true }).click();
    const dialog = new ConfirmDialog(this.page, `Remove ${name}?`);
    await dialog.box.waitFor();
    return dialog;
  }
}
