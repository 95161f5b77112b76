/** The audit trail: events newest first, page by page, filtered; the chain check; live new events. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class AuditPage extends BasePage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly action: Locator;
  readonly actor: Locator;
  readonly apply: Locator;
  readonly checkChain: Locator;
  readonly chain: Locator;
  readonly newEvents: Locator;
  readonly pager: Locator;
  readonly older: Locator;
  readonly newer: Locator;
  /** "Events #12 to #36": the range of the page shown. */
  readonly range: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Audit trail');
    this.table = this.tableNamed('Audit events, newest first');
    this.action = page.getByLabel('Action', { exact: true });
    this.actor = page.getByLabel('Actor', { exact: true });
    this.apply = page.getByRole('button', { name: 'Apply filters' });
    this.checkChain = page.getByRole('button', { name: 'Check chain' });
    this.chain = this.region('Chain');
    this.newEvents = this.status.filter({ hasText: /new events? since/ });
    this.pager = page.getByRole('navigation', { name: 'Audit pages' });
    this.older = this.pager.getByRole('button', { name: 'Older' });
    this.newer = this.pager.getByRole('button', { name: 'Newer' });
    this.range = this.pager.getByText(/^Events #\d+ to #\d+$/);
  }

  /** The rows that hold events (not the heading row). */
  get events(): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('cell') });
  }

  /** The Action column of every event shown, top to bottom. */
  /** Each row's action as recorded (`users.add`): the column shows it in words, with the code as its tooltip. */
  async actions(): Promise<string[]> {
    const column = await this.columnIndex('Action');
    const rows = await this.events.all();
    return await Promise.all(
      rows.map(async (row) => {
        const title =
          (await row
            .getByRole('cell')
            .nth(column)
            .getByTitle(/^Recorded as /)
            .getAttribute('title')) ?? '';
        return title.replace(/^Recorded as /, '');
      }),
    );
  }

  /** The action cells of events recorded as `code`, shown in words. */
  actionRecordedAs(code: string): Locator {
    return this.table.getByTitle(`Recorded as ${code}`, { exact: true });
  }

  /** What the action column says for one row (words, not the code). */
  async actionWords(index: number): Promise<string> {
    const column = await this.columnIndex('Action');
    return (await this.events.nth(index).getByRole('cell').nth(column).innerText()).trim();
  }

  /** Pages back with "Older" until there is nothing older. */
  async goToOldest(): Promise<void> {
    while (await this.older.isEnabled()) {
      const before = await this.range.innerText();
      await this.older.click();
      await this.pager.getByText(before, { exact: true }).waitFor({ state: 'detached' });
    }
  }

  /** Applies the filter and waits until every row shown is of that action. */
  async filterByAction(action: string): Promise<void> {
    await this.action.selectOption(action);
    await this.apply.click();
    const others = this.events.filter({ hasNot: this.page.getByTitle(`Recorded as ${action}`, { exact: true }) });
    await others.first().waitFor({ state: 'detached' });
  }

  /**
   * Where a column is among the cells of a row: the events table has no row header, so it is the column's
   * place among the headings (read as text: on screen they are upper-cased).
   */
  private async columnIndex(name: string): Promise<number> {
    const headers = (await this.table.getByRole('columnheader').allTextContents()).map((t) => t.trim());
    const index = headers.indexOf(name);
    if (index < 0) throw new Error(`no column ${name} in ${headers.join(', ')}`);
    return index;
  }
}
