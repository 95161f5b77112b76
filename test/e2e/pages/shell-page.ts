/** The signed-in frame: main navigation and the account bar. */
import type { Locator, Page } from 'playwright-core';

export const ALL_SCREENS = [
  'Dashboard',
  'Catalog',
  'Import',
  'Runs',
  'Issues',
  'Vault',
  'Redaction preview',
  'Audit trail',
  'Audit export',
  'Verify audit bundles',
  'Trust and policy',
  'Signing identity',
  'Users and roles',
  'Settings',
  'Backup',
  'Retention',
  'My account',
] as const;
export type ScreenName = (typeof ALL_SCREENS)[number];

export class ShellPage {
  readonly nav: Locator;
  readonly signOutButton: Locator;
  readonly lockButton: Locator;
  readonly user: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Main' });
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.lockButton = page.getByRole('button', { name: 'Lock' });
    this.user = page.getByLabel('Signed in user');
  }

  link(name: ScreenName): Locator {
    return this.nav.getByRole('link', { name, exact: true });
  }

  heading(name: string): Locator {
    return this.page.getByRole('heading', { level: 1, name, exact: true });
  }

  async open(name: ScreenName, heading: string = name): Promise<void> {
    await this.link(name).click();
    await this.heading(heading).waitFor();
  }

  async visibleScreens(): Promise<string[]> {
    return (await this.nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
  }

  async signOut(): Promise<void> {
    await this.signOutButton.click();
  }
}
