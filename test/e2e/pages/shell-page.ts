/** The signed-in frame: the sidebar with the site's name and the main navigation, and the account bar. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

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

export class ShellPage extends BasePage {
  readonly sidebar: Locator;
  readonly nav: Locator;
  readonly signOutButton: Locator;
  readonly lockButton: Locator;
  readonly user: Locator;

  constructor(page: Page) {
    super(page);
    this.sidebar = page.getByRole('complementary');
    this.nav = page.getByRole('navigation', { name: 'Main' });
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.lockButton = page.getByRole('button', { name: 'Lock' });
    this.user = page.getByLabel('Signed in user');
  }

  /** The site's name under the product name, exactly as typed in Settings. */
  siteName(text: string): Locator {
    return this.sidebar.getByText(text, { exact: true });
  }

  link(name: ScreenName): Locator {
    return this.nav.getByRole('link', { name, exact: true });
  }

  heading(name: string): Locator {
    return this.title(name);
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
