/** Page objects for AI summaries: the run view's card and dialog, and the LLM settings card (docs/llm.md). */
import type { Locator, Page } from 'playwright-core';

export class RunSummaryCard {
  readonly card: Locator;
  readonly summarise: Locator;
  readonly dialog: Locator;
  readonly preview: Locator;
  readonly marks: Locator;
  readonly answers: Locator;

  constructor(readonly page: Page) {
    this.card = page.getByRole('region', { name: 'AI summary' });
    this.summarise = this.card.getByRole('button', { name: 'Summarise…' });
    this.dialog = page.getByRole('dialog', { name: 'Summarise this run' });
    this.preview = this.dialog.getByLabel('Redacted prompt');
    this.marks = this.preview.locator('mark');
    this.answers = this.card.getByLabel('Answer');
  }

  /** Opens the dialog and waits for the redacted prompt. */
  async openPreview(): Promise<void> {
    await this.summarise.click();
    await this.preview.waitFor();
  }

  async send(): Promise<void> {
    await this.dialog.getByRole('button', { name: /^Send to / }).click();
    await this.dialog.waitFor({ state: 'hidden', timeout: 30_000 });
  }
}

export class LlmSettingsCard {
  readonly card: Locator;
  readonly enabled: Locator;
  readonly endpoint: Locator;
  readonly model: Locator;
  readonly ca: Locator;
  readonly keyItem: Locator;
  readonly save: Locator;

  constructor(readonly page: Page) {
    this.card = page.getByRole('region', { name: 'AI summaries (site LLM endpoint)' });
    this.enabled = this.card.getByRole('checkbox', { name: 'Allow AI summaries through the site endpoint' });
    this.endpoint = this.card.getByLabel('Endpoint', { exact: true });
    this.model = this.card.getByLabel('Model', { exact: true });
    this.ca = this.card.getByLabel('Site CA certificate (PEM)');
    this.keyItem = this.card.getByLabel('API key vault item');
    this.save = this.card.getByRole('button', { name: 'Save LLM settings' });
  }
}
