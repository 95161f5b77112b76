/** The vault: items (never their values), the bundles each is bound to, and the form that adds one. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class VaultPage extends BasePage {
  readonly heading: Locator;
  readonly items: Locator;
  readonly addForm: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Vault');
    this.items = this.tableNamed('Vault items');
    this.addForm = this.region('Add a vault item');
  }

  /** Adds an item whose value is read from a file the operator picks (given here as bytes). */
  async add(name: string, file: { name: string; value: string }): Promise<void> {
    await this.addForm.getByLabel('Name', { exact: true }).fill(name);
    await this.addForm
      .getByLabel('File holding the value')
      .setInputFiles({ name: file.name, mimeType: 'text/plain', buffer: Buffer.from(file.value) });
    await this.addForm.getByRole('button', { name: 'Add to vault' }).click();
  }

  /** The binding picker of one item (a text field with the catalog's bundles as suggestions). */
  bindPicker(item: string): Locator {
    return this.rowIn(this.items, item).getByRole('combobox', { name: `Bundle to bind ${item} to` });
  }

  /** The names the picker suggests (its list's options). */
  async suggestions(item: string): Promise<string[]> {
    return await this.bindPicker(item).evaluate((input) => [...((input as HTMLInputElement).list?.options ?? [])].map((o) => o.value));
  }

  async bind(item: string, bundle: string): Promise<void> {
    const row = this.rowIn(this.items, item);
    await this.bindPicker(item).fill(bundle);
    await row.getByRole('button', { name: 'Bind', exact: true }).click();
  }
}
