/** Page object for the SSH certificate authority screen: the active CA, creating one, principals per bundle or tag, issued certificates. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class SshCaPage extends BasePage {
  readonly heading: Locator;
  readonly active: Locator;
  readonly publicKey: Locator;
  readonly copyPublicKey: Locator;
  readonly createCard: Locator;
  readonly caName: Locator;
  readonly createButton: Locator;
  override readonly dialog: Locator;
  readonly retired: Locator;
  readonly grants: Locator;
  readonly grantForm: Locator;
  readonly issued: Locator;
  readonly revocation: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('SSH certificate authority');
    this.active = this.region('Active authority');
    this.publicKey = this.active.getByLabel('Public key', { exact: true });
    this.copyPublicKey = this.active.getByRole('button', { name: 'Copy public key' });
    this.createCard = this.region('Create a new authority');
    this.caName = this.createCard.getByLabel('Name');
    this.createButton = this.createCard.getByRole('button', { name: 'Create authority…' });
    this.dialog = page.getByRole('dialog', { name: 'Create a new SSH certificate authority?' });
    this.retired = this.tableNamed('Retired authorities');
    this.grants = this.tableNamed('Principals allowed per bundle or tag');
    this.grantForm = page.getByRole('form', { name: 'Allow principals' });
    this.issued = this.tableNamed('Certificates issued for runs, newest first');
    this.revocation = this.region('Revocation list');
  }

  /** Picks where the new authority's key comes from. */
  async keySource(source: 'Make a new key here' | 'Import a key file' | 'A key on a hardware token'): Promise<void> {
    await this.createCard.getByRole('radio', { name: new RegExp(`^${source}`) }).check();
  }

  /** Import: the name, the key file (the harness answers the file dialog with `path`), then the confirm step opens. */
  async openImport(name: string, path: string): Promise<Locator> {
    await this.keySource('Import a key file');
    await this.caName.fill(name);
    await this.createCard.getByRole('button', { name: 'Choose key file…' }).click();
    await this.createCard.getByLabel('Chosen key file').filter({ hasText: path }).waitFor();
    await this.createCard.getByRole('button', { name: 'Import authority…' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Import an SSH certificate authority?' });
    await dialog.waitFor();
    return dialog;
  }

  /** A token key: name, library (the harness answers the file dialog), token and key labels; opens the PIN dialog. */
  async openToken(name: string, token: { module: string; token: string; keyLabel: string; generate: boolean }): Promise<void> {
    await this.keySource('A key on a hardware token');
    await this.caName.fill(name);
    await this.createCard.getByRole('button', { name: 'Choose PKCS#11 library…' }).click();
    await this.createCard.getByLabel('Chosen PKCS#11 library').filter({ hasText: token.module }).waitFor();
    await this.createCard.getByLabel('Token label').fill(token.token);
    await this.createCard.getByLabel('Key label').fill(token.keyLabel);
    await this.createCard.getByRole('checkbox', { name: /^Make a new key on the token/ }).setChecked(token.generate);
    await this.createCard.getByRole('button', { name: 'Use token key…' }).click();
  }

  /** Saves the revocation list (the harness answers the save dialog) and returns what the screen said. */
  async saveRevocationList(): Promise<string> {
    await this.revocation.getByRole('button', { name: 'Save revocation list…' }).click();
    const said = this.revocation.getByRole('status').filter({ hasText: /^Saved / });
    await said.waitFor();
    return await said.innerText();
  }

  /** Types the name and opens the confirm step; the caller reads it, then confirms. */
  async openCreate(name: string): Promise<void> {
    await this.caName.fill(name);
    await this.createButton.click();
    await this.dialog.waitFor();
  }

  async confirmCreate(name: string): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Create authority' }).click();
    await this.status.filter({ hasText: `Authority ${name} created and active.` }).waitFor();
  }

  async allow(
    kind: 'A bundle' | 'Tasks with a tag',
    subject: string,
    principals: string,
    extra: { forceCommand?: string; sourceAddress?: string } = {},
  ): Promise<void> {
    const form = this.grantForm;
    await form.getByLabel('Applies to').selectOption({ label: kind });
    await form.getByLabel(kind === 'A bundle' ? 'Bundle name' : 'Tag').fill(subject);
    await form.getByLabel('Principals', { exact: true }).fill(principals);
    if (extra.forceCommand) await form.getByLabel('Forced command (optional)').fill(extra.forceCommand);
    if (extra.sourceAddress) await form.getByLabel('Source addresses (optional)').fill(extra.sourceAddress);
    await form.getByRole('button', { name: 'Save principals' }).click();
    await this.status.filter({ hasText: `Principals saved for` }).waitFor();
  }
}
