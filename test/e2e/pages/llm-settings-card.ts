/** The Settings card of the site's LLM endpoint for AI summaries (docs/llm.md). */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class LlmSettingsCard extends BasePage {
  readonly card: Locator;
  readonly enabled: Locator;
  readonly endpoint: Locator;
  readonly model: Locator;
  readonly ca: Locator;
  readonly keyItem: Locator;
  readonly save: Locator;

  constructor(page: Page) {
    super(page);
    this.card = this.region('AI summaries (site LLM endpoint)');
    this.enabled = this.card.getByRole('checkbox', { name: 'Allow AI summaries through the site endpoint' });
    this.endpoint = this.card.getByLabel('Endpoint', { exact: true });
    this.model = this.card.getByLabel('Model', { exact: true });
    this.ca = this.card.getByLabel('Site CA certificate (PEM)');
    this.keyItem = this.card.getByLabel('API key vault item');
    this.save = this.card.getByRole('button', { name: 'Save LLM settings' });
  }
}
