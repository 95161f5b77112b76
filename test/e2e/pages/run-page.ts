/** One run: its status, its live log, its issues and report. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RunPage extends BasePage {
  readonly log: Locator;
  /** The run's state card (running, succeeded, awaiting approval). */
  override readonly status: Locator;
  readonly issues: Locator;
  readonly report: Locator;

  constructor(page: Page) {
    super(page);
    this.log = page.getByRole('log');
    this.status = this.region('Run status');
    this.issues = this.region('Issues');
    this.report = this.region('Report');
  }

  async waitForOutcome(outcome: string): Promise<void> {
    await this.status.getByText(outcome, { exact: true }).waitFor({ timeout: 60_000 });
  }

  /** The log's text `text`, as one span: what an SGR sequence made of it is in its class (`ansi-fg-1`, `ansi-bold`). */
  async styleOf(text: string): Promise<string[]> {
    const span = this.log.getByText(text, { exact: true }).first();
    await span.waitFor();
    return ((await span.getAttribute('class')) ?? '').split(/\s+/).filter(Boolean);
  }
}
