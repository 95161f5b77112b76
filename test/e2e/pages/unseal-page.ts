/** Unseal: the window is a client of a sealed service; an operator or admin opens it (docs/service.md). */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class UnsealPage extends BasePage {
  readonly heading: Locator;
  readonly name: Locator;
  readonly password: Locator;
  readonly submit: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Unseal the service');
    this.name = page.getByLabel('User name');
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Unseal', exact: true });
  }

  async unseal(name: string, password: string): Promise<void> {
    await this.name.fill(name);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** The service's state in the header of a signed-in window. */
  serviceBadge(): Locator {
    return this.page.getByRole('status', { name: 'Service' });
  }
}
