/** One run: its status and outcome, its log with the log tools, its issues and report. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RunPage extends BasePage {
  readonly log: Locator;
  /** The run's state card (running, succeeded, awaiting approval). */
  override readonly status: Locator;
  /** The sentence saying why a finished run did not succeed (or that it raised critical issues). */
  readonly outcome: Locator;
  readonly issues: Locator;
  readonly report: Locator;
  readonly tools: Locator;
  readonly search: Locator;
  readonly matches: Locator;
  readonly nextMatch: Locator;
  readonly previousMatch: Locator;
  readonly firstError: Locator;
  readonly copy: Locator;
  readonly download: Locator;
  readonly fullScreen: Locator;
  readonly cancel: Locator;
  readonly runAgain: Locator;

  constructor(page: Page) {
    super(page);
    this.log = page.getByRole('log');
    this.status = this.region('Run status');
    this.outcome = this.status.getByLabel('Outcome');
    this.issues = this.region('Issues');
    this.report = this.region('Report');
    this.tools = page.getByRole('toolbar', { name: 'Log tools' });
    this.search = this.tools.getByRole('searchbox', { name: 'Search the log' });
    this.matches = this.tools.getByRole('status', { name: 'Matches' });
    this.nextMatch = this.tools.getByRole('button', { name: 'Next match' });
    this.previousMatch = this.tools.getByRole('button', { name: 'Previous match' });
    this.firstError = this.tools.getByRole('button', { name: 'First error' });
    this.copy = this.tools.getByRole('button', { name: 'Copy' });
    this.download = this.tools.getByRole('button', { name: 'Download…' });
    this.fullScreen = this.tools.getByRole('button', { name: /full screen/i });
    this.cancel = page.getByRole('button', { name: 'Cancel run…' });
    this.runAgain = page.getByRole('button', { name: 'Run again…' });
  }

  /** A toggle of the log tools ("Follow"/"Following", "Wrap lines", "Timestamps"), with aria-pressed. */
  toggle(name: string | RegExp): Locator {
    return this.tools.getByRole('button', { name });
  }

  /** A fact of the status card (Duration, Exit code), by its label. */
  async fact(name: string): Promise<string> {
    return await this.status.getByText(name, { exact: true }).locator('xpath=following-sibling::dd[1]').innerText();
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

  /** How many lines the log holds, and how many are drawn (only those in view, plus a margin). */
  async lineCounts(): Promise<{ held: number; drawn: number; first: number }> {
    return await this.log.evaluate((el) => ({
      held: Number(el.getAttribute('data-lines')),
      drawn: el.querySelectorAll('[data-seq]').length,
      first: Number(el.getAttribute('data-first')),
    }));
  }

  /** Whether the line numbered `seq` is inside the log's visible box. */
  async lineInView(seq: number): Promise<boolean> {
    return await this.log.evaluate((el, n) => {
      const line = el.querySelector(`[data-seq="${n}"]`);
      if (!line) return false;
      const a = line.getBoundingClientRect();
      const b = el.getBoundingClientRect();
      return a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
    }, seq);
  }
}
