/** Page object for the Redaction preview screen: what to preview, the marked result, site patterns, export. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class RedactPage extends BasePage {
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
  readonly reply: Locator;
  readonly mapBack: Locator;
  readonly replyOriginals: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Redaction preview');
    this.runId = page.getByLabel('Run id');
    this.path = page.getByLabel('Egress path');
    this.showPreview = page.getByRole('button', { name: 'Show preview' });
    this.result = this.region('What would leave');
    this.log = page.getByLabel('Redacted log');
    this.marks = this.result.locator('mark');
    this.patternName = page.getByLabel('Pattern name');
    this.patternRegex = page.getByLabel('Regular expression');
    this.patternAction = page.getByLabel('Action', { exact: true });
    this.addPattern = page.getByRole('button', { name: 'Add pattern' });
    this.patterns = this.tableNamed('Site patterns');
    this.exportReport = page.getByRole('button', { name: 'Export report…' });
    this.reply = page.getByLabel('Reply', { exact: true });
    this.mapBack = page.getByRole('button', { name: 'Map back' });
    this.replyOriginals = page.getByLabel('Reply with originals');
  }

  /** The marks of one rule (`email`, `site:ticket`): each replacement's tooltip starts with its rule. */
  marksOf(rule: string): Locator {
    return this.result.getByTitle(new RegExp(`^${rule} \\(`));
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
