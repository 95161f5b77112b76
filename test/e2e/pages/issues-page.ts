/** Issues across runs: most severe first, with counts by severity and filters. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class IssuesPage extends BasePage {
  readonly heading: Locator;
  readonly list: Locator;
  readonly counts: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Issues');
    this.list = page.getByRole('list', { name: 'Issues across runs, most severe first' });
    this.counts = page.getByRole('list', { name: 'Issue counts by severity' });
  }

  issue(title: string): Locator {
    return this.list.getByRole('listitem').filter({ hasText: title });
  }

  /** The count shown beside a severity label (Critical, Major, Minor, Info). */
  async count(label: string): Promise<number> {
    const text = (await this.counts.getByRole('listitem').filter({ hasText: label }).innerText()).trim();
    const n = new RegExp(`^${label}\\s+(\\d+)$`).exec(text)?.[1];
    if (n === undefined) throw new Error(`no count beside ${label}: "${text}"`);
    return Number(n);
  }
}
