/** Audit export: the wizard (where to save, redaction, export), and the list of exports with their row actions. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class AuditExportPage extends BasePage {
  readonly heading: Locator;
  readonly result: Locator;
  readonly exports: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Audit export');
    this.result = this.region('Export result');
    this.exports = this.tableNamed('Audit exports, newest first');
  }

  /** Step 1 and 2: where to save (the native dialog), then the redaction (a rule set, or null for none). */
  async choose(redact: string | null): Promise<void> {
    await this.page.getByRole('button', { name: 'Choose where to save…' }).click();
    if (redact) await this.page.getByRole('radio', { name: new RegExp(`^Rule set ${redact}\\b`) }).check();
  }

  /** Step 2: what the chosen rule set does to the next export's details; returns the panel. */
  async previewRedaction(): Promise<Locator> {
    const panel = this.region('Redaction preview of the export');
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

  /** The row of one export, by its id. */
  row(exportId: string): Locator {
    return this.rowIn(this.exports, exportId);
  }

  async confirmDelivered(exportId: string): Promise<void> {
    await this.row(exportId)
      .getByRole('button', { name: `Confirm ${exportId} delivered` })
      .click();
  }
}
