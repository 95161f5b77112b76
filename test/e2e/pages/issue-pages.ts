/** Page objects for the issues list, the dashboard's engine and issues cards, and the identity, verify and import pickers. */
import type { Locator, Page } from 'playwright-core';

export class IssuesPage {
  readonly heading: Locator;
  readonly list: Locator;
  readonly counts: Locator;
  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Issues' });
    this.list = page.getByRole('list', { name: 'Issues across runs, most severe first' });
    this.counts = page.getByRole('list', { name: 'Issue counts by severity' });
  }

  issue(title: string): Locator {
    return this.list.getByRole('listitem').filter({ hasText: title });
  }

  /** The count shown beside a severity label (Critical, Major, Minor, Info). */
  async count(label: string): Promise<number> {
    return Number((await this.counts.getByRole('listitem').filter({ hasText: label }).locator('strong').innerText()).trim());
  }
}

export class DashboardCards {
  readonly engine: Locator;
  readonly openIssues: Locator;
  constructor(readonly page: Page) {
    this.engine = page.getByRole('region', { name: 'Engine status' });
    this.openIssues = page.getByRole('region', { name: 'Open issues' });
  }
}

export class IdentityPage {
  readonly current: Locator;
  readonly dialog: Locator;
  constructor(readonly page: Page) {
    this.current = page.getByRole('region', { name: 'Current identity' });
    this.dialog = page.getByRole('dialog', { name: 'Replace the signing identity' });
  }

  /** Opens the replace dialog, picks the PKCS#12 file (the harness answers the dialog) and types its password. */
  async choosePkcs12(path: string, password: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Replace identity…' }).click();
    await this.dialog.getByRole('radio', { name: 'Import from our CA (PKCS#12)' }).check();
    await this.dialog.getByRole('button', { name: 'Choose PKCS#12 file…' }).click();
    await this.dialog.getByLabel('Chosen PKCS#12 file').filter({ hasText: path }).waitFor();
    await this.dialog.getByLabel('PKCS#12 password').fill(password);
  }

  async importAndReplace(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Import and replace' }).click();
  }
}
