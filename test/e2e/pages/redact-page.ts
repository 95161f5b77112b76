/** Page object for the Redaction preview screen: what to preview, the marked result, site patterns, export. */
import type { Locator, Page } from 'playwright-core';

export class RedactPage {
  readonly heading: Locator;
  readonly runId: Locator;
  readonly path: Locator;
  readonly showPreview: Locator;
  readonly result: Locator;
  readonly log: Locator;
  readonly marks: Locator;
  readonly patternName: Locator;
  readonly patternRegex: Locator;
  readonly patternAction: Locator;
  readonly addPattern: Locator;
  readonly patterns: Locator;
  readonly exportReport: Locator;
  readonly status: Locator;
  readonly reply: Locator;
  readonly mapBack: Locator;
  readonly replyOriginals: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Redaction preview' });
    this.runId = page.getByLabel('Run id');
    this.path = page.getByLabel('Egress path');
    this.showPreview = page.getByRole('button', { name: 'Show preview' });
    this.result = page.getByRole('region', { name: 'What would leave' });
    this.log = page.getByLabel('Redacted log');
    this.marks = this.result.locator('mark');
    this.patternName = page.getByLabel('Pattern name');
    this.patternRegex = page.getByLabel('Regular expression');
    this.patternAction = page.getByLabel('Action');
    this.addPattern = page.getByRole('button', { name: 'Add pattern' });
    this.patterns = page.getByRole('table', { name: 'Site patterns' });
    this.exportReport = page.getByRole('button', { name: 'Export report…' });
    this.status = page.getByRole('status');
    this.reply = page.getByLabel('Reply', { exact: true });
    this.mapBack = page.getByRole('button', { name: 'Map back' });
    this.replyOriginals = page.getByLabel('Reply with originals');
  }

  async preview(): Promise<void> {
    await this.showPreview.click();
    await this.result.waitFor();
  }

  async add(name: string, regex: string, action: 'mask' | 'drop' | 'pseudonymise'): Promise<void> {
    await this.patternName.fill(name);
    await this.patternRegex.fill(regex);
    await this.patternAction.selectOption(action);
    await this.addPattern.click();
  }
}
