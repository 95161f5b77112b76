/** The run form, generated from the task's declaration: one control per variable, labelled by its name. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RunFormDialog extends BasePage {
  constructor(page: Page) {
    super(page);
  }

  /** The control of a variable (text, number, checkbox, select, or the file button), by its name. */
  variable(name: string): Locator {
    return this.dialog.getByLabel(name, { exact: true });
  }

  async setValue(name: string, value: string): Promise<void> {
    await this.variable(name).fill(value);
  }

  /** Picks a file in the native dialog (the harness answers) and waits for the form to show it. */
  async chooseFile(name: string, path: string): Promise<void> {
    await this.variable(name).click();
    await this.dialog.getByLabel(`File chosen for ${name}`).filter({ hasText: path }).waitFor();
  }

  vaultPicker(secret: string): Locator {
    return this.dialog.getByLabel(`Vault item for ${secret}`);
  }

  /** The options a select offers, as shown. */
  async options(select: Locator): Promise<string[]> {
    return await select.getByRole('option').allInnerTexts();
  }

  /**
   * The message next to a field, as a screen reader finds it: the element its control names in
   * aria-errormessage while aria-invalid is set; null when the field has none.
   */
  async error(name: string): Promise<string | null> {
    return await this.variable(name).evaluate((control) => {
      const id = control.getAttribute('aria-invalid') === 'true' ? control.getAttribute('aria-errormessage') : null;
      return id ? (control.ownerDocument.getElementById(id)?.textContent ?? null) : null;
    });
  }

  /** Waits for this message next to the field. */
  async expectError(name: string, message: string): Promise<void> {
    const says = async () => (await this.error(name)) ?? '';
    await this.until(
      async () => (await says()).includes(message),
      async () => `${name} says "${message}" (it says "${await says()}")`,
    );
  }

  /** Waits until the field shows no message. */
  async expectNoError(name: string): Promise<void> {
    await this.until(
      async () => (await this.error(name)) === null,
      async () => `${name} shows no message (it says "${await this.error(name)}")`,
    );
  }

  async start(reason?: string): Promise<void> {
    if (reason) await this.dialog.getByLabel(/^Reason/).fill(reason);
    await this.dialog.getByRole('button', { name: /^Start (run|and ask for approval)$/ }).click();
  }
}
