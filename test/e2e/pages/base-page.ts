/**
 * What every page object shares: the page, and the landmarks an operator sees on any screen, found by
 * role, label and text only (no CSS class or id: the markup may change, what the user reads may not).
 */
import type { Locator, Page } from 'playwright-core';

export abstract class BasePage {
  /** Status lines (role=status): "Settings saved.", "3 of 7 tasks". */
  readonly status: Locator;
  /** Errors and warnings (role=alert). */
  readonly alert: Locator;
  /** The open modal dialog. */
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByRole('status');
    this.alert = page.getByRole('alert');
    this.dialog = page.getByRole('dialog');
  }

  /** A screen's title: its one level-1 heading. */
  protected title(name: string | RegExp): Locator {
    return this.page.getByRole('heading', { level: 1, name, exact: typeof name === 'string' ? true : undefined });
  }

  /** A card or section of the screen, by its label. */
  region(name: string): Locator {
    return this.page.getByRole('region', { name, exact: true });
  }

  /** A table by its caption. */
  tableNamed(caption: string): Locator {
    return this.page.getByRole('table', { name: caption, exact: true });
  }

  /** The row of `table` whose row header reads `header`. */
  rowIn(table: Locator, header: string | RegExp): Locator {
    return table
      .getByRole('row')
      .filter({ has: this.page.getByRole('rowheader', { name: header, exact: typeof header === 'string' ? true : undefined }) });
  }

  /** Whether a table is wider than its box, so it scrolls sideways. */
  async scrollsSideways(table: Locator): Promise<boolean> {
    return await table.evaluate((el) => {
      const box = el.parentElement!;
      return box.scrollWidth > box.clientWidth + 1;
    });
  }

  /**
   * Whether the operator sees all of `control` where it is: the window scrolls (up or down only) to
   * it, and the control is what is under its centre and its corners, none clipped away or covered.
   */
  async isInView(control: Locator): Promise<boolean> {
    return await control.evaluate((el) => {
      const top = el.getBoundingClientRect().top + window.scrollY;
      window.scrollTo(window.scrollX, top - window.innerHeight / 2);
      const r = el.getBoundingClientRect();
      const points = [
        [r.left + r.width / 2, r.top + r.height / 2],
        [r.left + 2, r.top + 2],
        [r.right - 2, r.top + 2],
        [r.left + 2, r.bottom - 2],
        [r.right - 2, r.bottom - 2],
      ] as const;
      return points.every(([x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return hit !== null && (hit === el || el.contains(hit));
      });
    });
  }

  /** The status line that says `text` (waits for it). */
  async statusSays(text: string | RegExp): Promise<void> {
    await this.status.filter({ hasText: text }).first().waitFor();
  }

  /** Polls `probe` until it returns true: for what a locator cannot wait on (an attribute, an ARIA relation). */
  protected async until(probe: () => Promise<boolean>, what: () => Promise<string>, timeout = 15_000): Promise<void> {
    const end = Date.now() + timeout;
    while (!(await probe())) {
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting until ${await what()}`);
      await this.page.waitForTimeout(50);
    }
  }
}
