/** The confirmation a destructive action asks for: it names what will happen; the safe choice has focus. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class ConfirmDialog extends BasePage {
  readonly box: Locator;

  constructor(page: Page, title: string | RegExp) {
    super(page);
    this.box = page.getByRole('dialog', { name: title });
  }

  button(name: string): Locator {
    return this.box.getByRole('button', { name, exact: true });
  }

  /** The name of the control that has focus inside the dialog. */
  async focused(): Promise<string> {
    return await this.box.evaluate((el) => {
      const a = document.activeElement;
      return a && el.contains(a) ? (a.textContent ?? '').trim() : '(focus outside the dialog)';
    });
  }
}
