/** The desktop PIN dialog of a hardware token: focus starts in the PIN field, Enter submits, Escape cancels. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class PinDialogPage extends BasePage {
  readonly box: Locator;
  readonly pin: Locator;

  constructor(page: Page, title: string | RegExp) {
    super(page);
    this.box = page.getByRole('dialog', { name: title });
    this.pin = this.box.getByLabel(/^PIN of the token /);
  }

  /** Types the PIN where focus already is (no click: the field must have it) and presses Enter. */
  async typeAndEnter(pin: string): Promise<void> {
    await this.box.waitFor();
    await this.page.keyboard.type(pin);
    await this.page.keyboard.press('Enter');
  }

  /** Whether the PIN field has focus. */
  async pinFocused(): Promise<boolean> {
    return await this.pin.evaluate((el) => document.activeElement === el);
  }

  /** The refusal the dialog shows (waits for one that matches). */
  async refusal(text: RegExp): Promise<string> {
    const alert = this.box.getByRole('alert').filter({ hasText: text });
    try {
      await alert.waitFor();
    } catch (error) {
      throw new Error(`the PIN dialog never said ${String(text)}; it says: ${await this.box.innerText().catch(() => '(closed)')}`, {
        cause: error,
      });
    }
    return await alert.innerText();
  }
}
