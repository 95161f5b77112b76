/**
 * Sign-in and identity (admin): the sign-in method with its confirm step, the identity provider's
 * imported metadata and options, the directory, and the groups that give roles.
 */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class SignInSettingsPage extends BasePage {
  readonly heading: Locator;
  readonly method: Locator;
  readonly idp: Locator;
  readonly pinned: Locator;
  readonly forIdpAdmin: Locator;
  readonly idpOptions: Locator;
  readonly directory: Locator;
  readonly directoryForm: Locator;
  readonly groups: Locator;
  readonly mappings: Locator;
  readonly addGroupForm: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Sign-in and identity');
    this.method = this.region('Sign-in method');
    this.idp = this.region('Identity provider (SAML)');
    this.pinned = page.getByLabel('Pinned identity provider');
    this.forIdpAdmin = page.getByLabel('For the identity provider’s admin');
    this.idpOptions = page.getByRole('form', { name: 'Identity provider options' });
    this.directory = this.region('Directory (LDAP or Active Directory)');
    this.directoryForm = page.getByRole('form', { name: 'Directory settings' });
    this.groups = this.region('Groups and roles');
    this.mappings = this.tableNamed('Groups that give a role');
    this.addGroupForm = page.getByRole('form', { name: 'Add a group' });
  }

  /** Picks a method and opens the confirm step; the caller reads it, then confirms or cancels. */
  async chooseMethod(label: string): Promise<Locator> {
    await this.method.getByRole('radio', { name: new RegExp(`^${label}`) }).check();
    await this.method.getByRole('button', { name: 'Change sign-in method…' }).click();
    const dialog = this.page.getByRole('dialog', { name: /^Change sign-in to/ });
    await dialog.waitFor();
    return dialog;
  }

  /** The text of the current method line ("Now: …"). */
  async currentMethod(): Promise<string> {
    return (await this.method.getByText(/^Now:/).innerText()).replace(/^Now:\s*/, '');
  }

  async importMetadata(): Promise<void> {
    await this.idp.getByRole('button', { name: /metadata file…$/ }).click();
  }

  /** The pinned certificate fingerprint as shown (AA:BB:…). */
  async fingerprint(): Promise<string> {
    return (await this.page.getByLabel('Signing certificate fingerprint').first().innerText()).trim();
  }

  async fillDirectory(fields: { address?: string; security?: 'LDAPS' | 'StartTLS'; pattern?: string; groupsAt?: string }) {
    const form = this.directoryForm;
    if (fields.address !== undefined) await form.getByLabel('Directory address').fill(fields.address);
    if (fields.security) await form.getByRole('radio', { name: new RegExp(`^${fields.security}`) }).check();
    if (fields.pattern !== undefined) await form.getByLabel('User name pattern').fill(fields.pattern);
    if (fields.groupsAt !== undefined) await form.getByLabel('Where the groups are').fill(fields.groupsAt);
  }

  /** Fills the add-group form and opens its confirm step. */
  async openAddGroup(from: 'Identity provider' | 'Directory', group: string, role: string): Promise<Locator> {
    const form = this.addGroupForm;
    await form.getByLabel('From').selectOption({ label: from });
    await form.getByLabel('Group', { exact: true }).fill(group);
    await form.getByLabel('Gives the role').selectOption({ label: role });
    await form.getByRole('button', { name: 'Add group…' }).click();
    const dialog = this.page.getByRole('dialog', { name: /^Let .* give / });
    await dialog.waitFor();
    return dialog;
  }

  async openRemoveGroup(group: string, role: string): Promise<Locator> {
    await this.mappings.getByRole('button', { name: `Remove ${group} giving ${role}` }).click();
    const dialog = this.page.getByRole('dialog', { name: /^Stop .* giving / });
    await dialog.waitFor();
    return dialog;
  }
}
