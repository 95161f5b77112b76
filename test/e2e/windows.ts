/**
 * The windows a browser e2e suite opens on one harness (each its own session), the first-run and
 * first-sign-in steps they share, and the cleanup of a suite that ran tasks.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Harness } from './harness';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApp } from './browser';
import { ROOT } from './build-renderer';
import { ChangePasswordPage, DashboardPage, RecoveryKeyPage, SetupPage, SignInPage } from './pages';

export async function shown(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}

/** First-run setup through the UI in a window on the setup screen: admin, recovery key stored, dashboard. */
export async function completeFirstRun(page: Page, admin: { name: string; password: string }): Promise<void> {
  const setup = new SetupPage(page);
  await setup.heading.waitFor();
  await setup.createAdmin(admin.name, admin.password);
  const recovery = new RecoveryKeyPage(page);
  // Creating the store derives keys with scrypt: slow on a loaded machine.
  await recovery.heading.waitFor({ timeout: 60_000 });
  await recovery.stored.check();
  await recovery.continue.click();
  await new DashboardPage(page).heading.waitFor();
}

export class Windows {
  readonly contexts: BrowserContext[] = [];
  /** Console and page errors of every window (CSP and Trusted Types violations included). */
  readonly errors: string[][] = [];
  constructor(private readonly env: () => { browser: Browser; harness: Harness }) {}

  async open(): Promise<Page> {
    const { browser, harness } = this.env();
    const app = await openApp(browser, harness);
    this.contexts.push(app.context);
    this.errors.push(app.errors);
    return app.page;
  }

  /** First-run setup through the UI; returns on the dashboard. */
  async setup(admin: { name: string; password: string }): Promise<Page> {
    const page = await this.open();
    await completeFirstRun(page, admin);
    return page;
  }

  /** A new window signing in with the first password and changing it; returns on the dashboard. */
  async signInFirstTime(user: { name: string; first: string; password: string }): Promise<Page> {
    const page = await this.open();
    await new SignInPage(page).signIn(user.name, user.first);
    await new ChangePasswordPage(page).change(user.first, user.password);
    await new DashboardPage(page).heading.waitFor();
    return page;
  }

  /**
   * From the admin's window: trusts the sample signing key and adds an operator with a first
   * password, through the core as the CLI would; then that operator signs in for the first time.
   */
  async trustSampleAndSignInOperator(admin: Page, operator: { name: string; first: string; password: string }): Promise<Page> {
    const pem = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');
    const done = await admin.evaluate(
      async ([key, name, password]) => {
        const trusted = await window.api!.call('trust.addKey', { pem: key, comment: 'sample key' });
        const added = await window.api!.call('users.add', { name, password, roles: ['operator'] });
        return trusted.ok && added.ok;
      },
      [pem, operator.name, operator.first] as const,
    );
    if (!done) throw new Error('the admin could not trust the sample key or add the operator');
    return await this.signInFirstTime(operator);
  }

  async closeAll(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => undefined);
  }
}

/** Stops the runner, removes this store's images (by the catalog's own tags; sample images are shared), closes the harness. */
export async function closeRunningHarness(harness: Harness | undefined, removeImages: boolean): Promise<void> {
  if (!harness) return;
  await harness.core.stopRunner('the suite ended').catch(() => undefined);
  if (removeImages && harness.core.isOpen) {
    const engine = harness.core.engine();
    const tags = harness.core.store.db.prepare('SELECT engine_tag FROM bundles').all() as Array<{ engine_tag: string }>;
    for (const t of tags) await engine.removeImage(t.engine_tag).catch(() => undefined);
  }
  await harness.close();
}
