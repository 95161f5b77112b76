/** Page objects for the operations screens: mirror import, catalog, runs, audit export, verification. */
import type { Locator, Page } from 'playwright-core';

export class ImportPage {
  readonly heading: Locator;
  readonly result: Locator;
  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Import from a mirror' });
    this.result = page.getByRole('region', { name: 'Import result' });
  }

  /** The OCI folder is picked in the (harness's) native dialog, then listed. */
  async listOciFolder(): Promise<void> {
    await this.page.getByRole('radio', { name: 'OCI layout folder' }).check();
    await this.page.getByRole('button', { name: 'Choose folder…' }).click();
    await this.page.getByLabel('Chosen source').filter({ hasNotText: 'Nothing chosen' }).waitFor();
    await this.page.getByRole('button', { name: 'List bundles' }).click();
    await this.page.getByRole('region', { name: 'Bundles in the mirror' }).waitFor();
  }

  async importRef(ref: string): Promise<void> {
    await this.page.getByRole('button', { name: `Import ${ref}`, exact: true }).click();
    await this.result.waitFor();
  }
}

export class CatalogPage {
  readonly heading: Locator;
  readonly bundles: Locator;
  readonly tasks: Locator;
  readonly filter: Locator;
  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Catalog' });
    this.bundles = page.getByRole('table', { name: 'Imported bundles' });
    this.tasks = page.getByRole('table', { name: 'Tasks' });
    this.filter = page.getByLabel('Filter tasks');
  }

  taskRow(title: string): Locator {
    return this.tasks.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: new RegExp(`^${title}`) }) });
  }

  runButton(title: string): Locator {
    return this.page.getByRole('button', { name: `Run ${title}`, exact: true });
  }
}

export class RunFormDialog {
  readonly dialog: Locator;
  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog');
  }

  async addValue(name: string, value: string): Promise<void> {
    const n = (await this.dialog.getByLabel(/^Values \d+ name$/).count()) + 1;
    await this.dialog.getByRole('button', { name: 'Add a value' }).click();
    await this.dialog.getByLabel(`Values ${n} name`).fill(name);
    await this.dialog.getByLabel(`Values ${n} value`).fill(value);
  }

  /** Picks a file in the native dialog (the harness answers) and names the variable. */
  async addFile(name: string): Promise<void> {
    // The row appears once the dialog has answered: wait for that row, not for the click.
    const n = (await this.dialog.getByLabel(/^Files \d+ name$/).count()) + 1;
    await this.dialog.getByRole('button', { name: 'Add a file…' }).click();
    await this.dialog.getByLabel(`Files ${n} name`).fill(name);
  }

  async start(reason?: string): Promise<void> {
    if (reason) await this.dialog.getByLabel(/^Reason/).fill(reason);
    await this.dialog.getByRole('button', { name: 'Start run' }).click();
  }
}

export class RunPage {
  readonly log: Locator;
  readonly status: Locator;
  readonly issues: Locator;
  readonly report: Locator;
  constructor(readonly page: Page) {
    this.log = page.getByRole('log');
    this.status = page.getByRole('region', { name: 'Run status' });
    this.issues = page.getByRole('region', { name: 'Issues' });
    this.report = page.getByRole('region', { name: 'Report' });
  }

  async waitForOutcome(outcome: string): Promise<void> {
    await this.status.getByText(outcome, { exact: true }).waitFor({ timeout: 60_000 });
  }
}

export class AuditExportPage {
  readonly heading: Locator;
  readonly result: Locator;
  readonly exports: Locator;
  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Audit export' });
    this.result = page.getByRole('region', { name: 'Export result' });
    this.exports = page.getByRole('table', { name: 'Audit exports, newest first' });
  }

  async export({ redact }: { redact: boolean }): Promise<void> {
    await this.page.getByRole('button', { name: 'Choose where to save…' }).click();
    if (redact) await this.page.getByRole('checkbox', { name: /drop-details/ }).check();
    await this.page.getByRole('button', { name: 'Export and sign' }).click();
    await this.result.waitFor();
  }
}

export class VerifyPage {
  readonly heading: Locator;
  readonly result: Locator;
  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Verify audit bundles' });
    this.result = page.getByRole('region', { name: 'Verification result' });
  }

  async verify(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.page.getByRole('button', { name: 'Add a bundle…' }).click();
      await this.page.getByRole('list', { name: 'Chosen bundles' }).getByRole('listitem').nth(i).waitFor();
    }
    await this.page.getByRole('button', { name: 'Verify', exact: true }).click();
    await this.result.waitFor();
  }
}
