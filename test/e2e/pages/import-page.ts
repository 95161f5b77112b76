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

  /** A registry typed as the operator types it (plain HTTP is allowed for one on this machine), then listed. */
  async listRegistry(url: string): Promise<void> {
    await this.page.getByRole('radio', { name: 'Registry' }).check();
    await this.page.getByLabel('Registry address').fill(url);
    await this.page.getByRole('button', { name: 'List bundles' }).click();
    await this.region('Bundles in the mirror').waitFor();
  }

  /** The bar of one layer ("Layer 2 of 3"). */
  layerBar(n: number, of: number): Locator {
    return this.page.getByRole('progressbar', { name: `Layer ${n} of ${of}`, exact: true });
  }

  /**
   * Records, from now on, every state the layer bars show: per bar name, the distinct texts beside it
   * ("1.0 MiB of 6.0 MiB (16%)") in order. Read with `layerBarStates`.
   */
  async recordLayerBars(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { __layerBars: Record<string, string[]> }).__layerBars = seen;
      // No named functions in here: tsx would wrap them in a helper the page does not have.
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll('progress')) {
          const name = bar.getAttribute('aria-label') ?? '';
          if (!name.startsWith('Layer ')) continue;
          const text = bar.nextElementSibling?.textContent?.trim() ?? '';
          const list = (seen[name] ??= []);
          if (list[list.length - 1] !== text) list.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  }

  async layerBarStates(): Promise<Record<string, string[]>> {
    return await this.page.evaluate(() => (window as unknown as { __layerBars: Record<string, string[]> }).__layerBars);
  }

  async importRef(ref: string): Promise<void> {
    await this.importButton(ref).click();
    await this.result.waitFor();
  }
}
