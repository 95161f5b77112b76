/** Import from a mirror: the source (registry, OCI folder, archive), its listing, and the import's result. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class ImportPage extends BasePage {
  readonly heading: Locator;
  readonly listing: Locator;
  readonly result: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Import from a mirror');
    this.listing = this.tableNamed('Repositories and tags');
    this.result = this.region('Import result');
  }

  /** The OCI folder is picked in the (harness's) native dialog, then listed. */
  async listOciFolder(): Promise<void> {
    await this.page.getByRole('radio', { name: 'OCI layout folder' }).check();
    await this.page.getByRole('button', { name: 'Choose folder…' }).click();
    await this.page.getByLabel('Chosen source').filter({ hasNotText: 'Nothing chosen' }).waitFor();
    await this.page.getByRole('button', { name: 'List bundles' }).click();
    await this.region('Bundles in the mirror').waitFor();
  }

  /** The Import button of one `repository:tag`. */
  importButton(ref: string): Locator {
    return this.page.getByRole('button', { name: `Import ${ref}`, exact: true });
  }

  async importRef(ref: string): Promise<void> {
    await this.importButton(ref).click();
    await this.result.waitFor();
  }
}
