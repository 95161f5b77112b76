/** The run view's AI summary card and its dialog: the redacted prompt, sending it, the answers (docs/llm.md). */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RunSummaryCard extends BasePage {
  readonly card: Locator;
  readonly summarise: Locator;
  override readonly dialog: Locator;
  readonly preview: Locator;
  readonly marks: Locator;
  readonly answers: Locator;

  constructor(page: Page) {
    super(page);
    this.card = this.region('AI summary');
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
