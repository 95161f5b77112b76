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

/** The run form, generated from the task's declaration: one control per variable, labelled by its name. */
export class RunFormDialog {
  readonly dialog: Locator;
  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog');
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

  /** The message shown next to a field. */
  error(name: string): Locator {
    return this.dialog.locator('.run-var').filter({ has: this.page.getByLabel(name, { exact: true }) }).locator('.field-error');
  }

  /** Waits for this message next to the field. */
  async expectError(name: string, message: string): Promise<void> {
    await this.error(name).filter({ hasText: message }).waitFor();
  }

  /** Waits until the field shows no message. */
  async expectNoError(name: string): Promise<void> {
    await this.error(name).waitFor({ state: 'detached' });
  }

  async start(reason?: string): Promise<void> {
    if (reason) await this.dialog.getByLabel(/^Reason/).fill(reason);
    await this.dialog.getByRole('button', { name: /^Start (run|and ask for approval)$/ }).click();
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

  /** Step 1 and 2: where to save (the native dialog), then the redaction (a rule set, or null for none). */
  async choose(redact: string | null): Promise<void> {
    await this.page.getByRole('button', { name: 'Choose where to save…' }).click();
    if (redact) await this.page.getByRole('radio', { name: new RegExp(`^Rule set ${redact}\\b`) }).check();
  }

  /** Step 2: what the chosen rule set does to the next export's details; returns the panel. */
  async previewRedaction(): Promise<Locator> {
    const panel = this.page.getByRole('region', { name: 'Redaction preview of the export' });
    await panel.getByRole('button', { name: /^Preview what / }).click();
    await panel.getByText('Nothing was written.').waitFor();
    return panel;
  }

  async start(): Promise<void> {
    await this.page.getByRole('button', { name: 'Export and sign' }).click();
    await this.result.waitFor();
  }

  /** `redact`: a rule set (drop-details, default, strict) or null for none. */
  async export({ redact }: { redact: string | null }): Promise<void> {
    await this.choose(redact);
    await this.start();
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
