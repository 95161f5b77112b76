/**
 * The signed-in frame: the sidebar with the site's name and the main navigation (which scrolls,
 * collapses to icons, and shows counts), and the header with the account and the engine's status.
 */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export const ALL_SCREENS = [
  'Dashboard',
  'Catalog',
  'Import',
  'Runs',
  'Issues',
  'Health',
  'Vault',
  'Redaction preview',
  'Audit trail',
  'Audit export',
  'Verify audit bundles',
  'Trust and policy',
  'Signing identity',
  'Users and roles',
  'Sign-in and identity',
  'Settings',
  'Backup',
  'Retention',
  'SSH certificate authority',
  'Nodes',
  'My account',
  'Help',
] as const;
export type ScreenName = (typeof ALL_SCREENS)[number];

export class ShellPage extends BasePage {
  readonly sidebar: Locator;
  readonly nav: Locator;
  readonly signOutButton: Locator;
  readonly lockButton: Locator;
  readonly user: Locator;
  /** The header's engine status: "Engine: Docker 20.10…" or "Engine not reachable"; pressing it checks again. */
  readonly engine: Locator;
  readonly collapseButton: Locator;
  readonly expandButton: Locator;

  constructor(page: Page) {
    super(page);
    this.sidebar = page.getByRole('complementary');
    this.nav = page.getByRole('navigation', { name: 'Main' });
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.lockButton = page.getByRole('button', { name: 'Lock' });
    this.user = page.getByLabel('Signed in user');
    this.engine = page.getByRole('banner').getByRole('button', { name: /^Engine/ });
    this.collapseButton = page.getByRole('button', { name: 'Collapse the sidebar to icons' });
    this.expandButton = page.getByRole('button', { name: 'Expand the sidebar' });
  }

  /** The site's name under the product name, exactly as typed in Settings. */
  siteName(text: string): Locator {
    return this.sidebar.getByText(text, { exact: true });
  }

  /** A screen's link; its name may go on with what it counts ("Runs, 2 runs in progress"). */
  link(name: ScreenName): Locator {
    return this.nav.getByRole('link', { name: new RegExp(`^${name}(, .+)?$`) });
  }

  /** The counts a screen's link reads out ("2 runs in progress"), as the operator hears them. */
  async countsOn(name: ScreenName): Promise<string[]> {
    const label = (await this.link(name).getAttribute('aria-label')) ?? '';
    return label.split(', ').slice(1);
  }

  /** Whether the navigation is taller than its box, so it scrolls on its own, and its last link can be scrolled to. */
  async navScrolls(): Promise<boolean> {
    return await this.nav.evaluate((el) => el.scrollHeight > el.clientHeight + 1);
  }

  /** The sidebar's width on screen, in CSS pixels. */
  async sidebarWidth(): Promise<number> {
    return await this.sidebar.evaluate((el) => el.getBoundingClientRect().width);
  }

  heading(name: string): Locator {
    return this.title(name);
  }

  async open(name: ScreenName, heading: string = name): Promise<void> {
    await this.link(name).click();
    await this.heading(heading).waitFor();
  }

  /** The screens the navigation offers, by name (their counts left off). */
  async visibleScreens(): Promise<string[]> {
    const labels = await this.nav.getByRole('link').evaluateAll((links) => links.map((l) => l.getAttribute('aria-label') ?? ''));
    return labels.map((l) => l.split(', ')[0]!.trim());
  }

  async signOut(): Promise<void> {
    await this.signOutButton.click();
  }
}
