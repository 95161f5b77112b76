/**
 * The frame around every screen (issue 15 items 3, 4, 6, 7), in Debian's Chromium at 1024x768 and
 * 1920x1080: the sidebar scrolls and collapses to icons (and remembers it), the header shows the
 * engine on every screen and Run buttons say why they are disabled when it is down, the window
 * title names the screen, Help renders the docs in the app, and sign-in works from the keyboard
 * alone. Screens are saved in light and dark under test-results/screenshots/<size>/shell-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot, SIZES } from './browser';
import { ROOT } from './build-renderer';
import { ALL_SCREENS, AuditPage, CatalogPage, DashboardPage, HelpPage, SettingsPage, ShellPage, SignInPage } from './pages';
import { completeFirstRun, shown } from './windows';
import { dispatch } from '../../src/api/dispatcher';
import { addUser, signIn } from '../helpers/core';
import { mirrorOf, SAMPLES } from '../integration/runner/fixture';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ADMIN = { name: 'alice', password: 'correct horse battery staple' };
const OPERATOR = { name: 'olga', password: 'olga-password-123' };
const ENGINE_SKIP = process.env.DOCKER_HOST ? false : 'SKIP: no DOCKER_HOST, so no engine to import a task for the Run button';
if (ENGINE_SKIP) console.log(`shell.test.ts: ${ENGINE_SKIP}`);

function folder(size: { width: number; height: number }): string {
  return join(ROOT, 'test-results', 'screenshots', `${size.width}x${size.height}`);
}

describe('the shell in Chromium at 1024x768 and 1920x1080', { timeout: 300_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[][] = [];

  async function open(size: { width: number; height: number }): Promise<Page> {
    const app = await openApp(browser, harness, size);
    contexts.push(app.context);
    errors.push(app.errors);
    return app.page;
  }

  async function signedIn(size: { width: number; height: number }, user = ADMIN): Promise<Page> {
    const page = await open(size);
    await new SignInPage(page).signIn(user.name, user.password);
    await shown(new DashboardPage(page).heading);
    return page;
  }

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    const first = await open(SIZES[0]);
    await completeFirstRun(first, ADMIN);
    const admin = await signIn(harness.core, ADMIN.name, ADMIN.password);
    const operator = await addUser(harness.core, admin, OPERATOR.name, ['operator'], OPERATOR.password);
    if (!ENGINE_SKIP) {
      // One sample bundle, so the Catalog has a Run button to disable.
      const pub = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');
      await dispatch(harness.core, admin, 'trust.addKey', { pem: pub, comment: 'sample key' });
      const mirror = await mirrorOf([join(SAMPLES, 'host-health')]);
      for (const ref of mirror.refs.values())
        await dispatch(harness.core, operator.session, 'bundles.import', { source: mirror.source, ref });
    }
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (harness?.core.isOpen && !ENGINE_SKIP) {
      const engine = harness.core.engine();
      const tags = harness.core.store.db.prepare('SELECT engine_tag FROM bundles').all() as Array<{ engine_tag: string }>;
      for (const t of tags) await engine.removeImage(t.engine_tag).catch(() => undefined);
    }
    await harness?.close();
  });

  it('signs in with the keyboard alone', async () => {
    const page = await open(SIZES[0]);
    const signInPage = new SignInPage(page);
    await shown(signInPage.heading);
    // Tab from the top of the page to the user name, then type, Tab, type, Enter: no mouse.
    for (let i = 0; i < 10 && !(await signInPage.name.evaluate((el) => el === document.activeElement)); i++)
      await page.keyboard.press('Tab');
    assert.equal(await signInPage.name.evaluate((el) => el === document.activeElement), true, 'Tab reaches the user name');
    await page.keyboard.type(ADMIN.name);
    await page.keyboard.press('Tab');
    assert.equal(await signInPage.password.evaluate((el) => el === document.activeElement), true, 'Tab goes on to the password');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await shown(new DashboardPage(page).heading);
    // The screen's heading takes focus, so the keyboard goes on from the top of the screen.
    assert.equal(await new DashboardPage(page).heading.evaluate((el) => el === document.activeElement), true);
  });

  for (const size of SIZES) {
    const name = `${size.width}x${size.height}`;

    it(`${name}: the sidebar collapses to icons, scrolls when the window is short, and remembers`, async () => {
      const page = await signedIn(size);
      const shell = new ShellPage(page);
      // With no choice made yet, a narrow window starts with the sidebar as icons.
      if (size.width < 1100) {
        await shown(shell.expandButton);
        assert.ok((await shell.sidebarWidth()) < 80, 'collapsed at 1024 px by default');
        await shoot(page, 'shell-01-collapsed', { folder: folder(size) });
        // Every screen is still reachable, by name and with its name as a tooltip.
        assert.deepEqual(
          await shell.visibleScreens(),
          [...ALL_SCREENS].filter((s) => s !== 'Import'),
        );
        assert.equal(await shell.link('Settings').getAttribute('title'), 'Settings');
        await shell.open('Settings');
        await shell.expandButton.click();
      } else {
        await shown(shell.collapseButton);
      }
      assert.ok((await shell.sidebarWidth()) > 200, 'expanded: labels shown');
      assert.equal(await shell.collapseButton.getAttribute('aria-expanded'), 'true');
      // The navigation scrolls on its own where the window is shorter than the list; the last link is reachable.
      assert.equal(await shell.navScrolls(), size.height < 800, `the navigation scrolls at ${name} only when it must`);
      await shell.link('Help').scrollIntoViewIfNeeded();
      assert.ok(await shell.isInView(shell.link('Help')), 'the last link can be scrolled to and is not covered');
      assert.ok(await shell.isInView(shell.collapseButton), 'the collapse control stays in view below the list');
      await shoot(page, 'shell-02-expanded', { folder: folder(size) });

      await shell.collapseButton.click();
      await shown(shell.expandButton);
      assert.ok((await shell.sidebarWidth()) < 80);
      assert.equal(await shell.expandButton.getAttribute('aria-expanded'), 'false');
      await shell.open('Help');
      await shoot(page, 'shell-03-collapsed-help', { folder: folder(size) });
      // The choice is kept across a reload.
      await page.reload();
      await shown(new HelpPage(page).heading);
      await shown(shell.expandButton);
      await shell.expandButton.click();
      await shown(shell.collapseButton);
    });

    it(`${name}: the header shows the engine on every screen; the window title names the screen`, async () => {
      const page = await signedIn(size);
      const shell = new ShellPage(page);
      for (const screen of ALL_SCREENS.filter((s) => s !== 'Import')) {
        await shell.open(screen, screen === 'Users and roles' ? 'Users and roles' : undefined);
        await shown(shell.engine);
        assert.match(await page.title(), new RegExp(`^${screen}( · \\d+ runs? in progress)? — Airgap Runner$`));
      }
      if (process.env.DOCKER_HOST) {
        await shown(page.getByRole('banner').getByRole('button', { name: /^Engine: Docker/ }));
      }
    });
  }

  it('Help renders the docs in the app; a link to another doc opens it there', async () => {
    for (const size of SIZES) {
      const page = await signedIn(size);
      const shell = new ShellPage(page);
      await shell.open('Help');
      const help = new HelpPage(page);
      await shown(help.doc(/^The desktop UI/));
      await shown(help.doc(/^The desktop UI/).getByRole('heading', { level: 2, name: 'Tables' }));
      await shown(
        help
          .doc(/^The desktop UI/)
          .getByRole('table')
          .first(),
      );
      await shoot(page, 'shell-04-help', { folder: folder(size) });
      // docs/ui.md links to docs/desktop.md: it opens here, not as an inert file name.
      await help
        .doc(/^The desktop UI/)
        .getByRole('link', { name: /desktop\.md/ })
        .first()
        .click();
      await shown(help.doc(/^Desktop app/));
      assert.match(page.url(), /#\/help\/desktop/);
      assert.equal(await page.locator('script:not([src])').count(), 0);
      await shoot(page, 'shell-05-help-desktop', { folder: folder(size) });
    }
  });

  it('the engine goes down: the header says so on every screen and Run buttons say why they are disabled', async () => {
    const dead = `unix://${join(mkdtempSync(join(tmpdir(), 'no-engine-')), 'docker.sock')}`;
    const admin = await signIn(harness.core, ADMIN.name, ADMIN.password);
    const previous = (await dispatch(harness.core, admin, 'settings.get', {})).settings['engine.socket'];
    await dispatch(harness.core, admin, 'settings.set', { key: 'engine.socket', value: dead });
    try {
      for (const size of SIZES) {
        const page = await signedIn(size, OPERATOR);
        const shell = new ShellPage(page);
        await shown(page.getByRole('banner').getByRole('button', { name: /^Engine not reachable/ }));
        assert.match((await shell.engine.getAttribute('title')) ?? '', /no-engine-.*docker\.sock/);
        await shoot(page, 'shell-06-engine-down-dashboard', { folder: folder(size) });
        await shell.open('Catalog');
        await shown(page.getByRole('banner').getByRole('button', { name: /^Engine not reachable/ }));
        if (!ENGINE_SKIP) {
          const catalog = new CatalogPage(page);
          const run = catalog.runButton('Check Disk Usage of Host Filesystems');
          await shown(run);
          assert.equal(await run.isDisabled(), true);
          assert.match((await run.getAttribute('title')) ?? '', /^The container engine is not reachable: /);
        }
        await shoot(page, 'shell-07-engine-down-catalog', { folder: folder(size) });
      }
    } finally {
      await dispatch(harness.core, admin, 'settings.set', { key: 'engine.socket', value: previous ?? '' });
    }
    const page = await signedIn(SIZES[1], OPERATOR);
    if (process.env.DOCKER_HOST) await shown(page.getByRole('banner').getByRole('button', { name: /^Engine: / }));
    if (!ENGINE_SKIP) {
      await new ShellPage(page).open('Catalog');
      assert.equal(await new CatalogPage(page).runButton('Check Disk Usage of Host Filesystems').isDisabled(), false, 'enabled again');
    }
  });

  it('Settings: one Save per group, and leaving with unsaved changes asks first', async () => {
    for (const size of SIZES) {
      const page = await signedIn(size);
      const shell = new ShellPage(page);
      await shell.open('Settings');
      const settings = new SettingsPage(page);
      await shown(settings.saveGroup('General'));
      assert.equal(await settings.saveGroup('General').isDisabled(), true, 'nothing to save yet');
      await settings.siteName.fill(`Hall ${size.width}`);
      assert.equal(await settings.saveGroup('General').isDisabled(), false);
      assert.equal(await settings.saveGroup('Retention').isDisabled(), true, 'another group has nothing to save');
      await shoot(page, 'shell-08-settings-unsaved', { folder: folder(size) });

      // Leaving asks; "Cancel" stays on Settings with the change kept.
      const asked: string[] = [];
      page.once('dialog', (d) => {
        asked.push(d.message());
        void d.dismiss();
      });
      await shell.link('Catalog').click();
      await page.waitForTimeout(300);
      assert.match(asked[0] ?? '', /unsaved changes in General/);
      await shown(settings.heading);
      assert.equal(await settings.siteName.inputValue(), `Hall ${size.width}`);

      // Saved: leaving no longer asks.
      await settings.saveGroup('General').click();
      await settings.statusSays('General settings saved.');
      page.once('dialog', (d) => void d.dismiss().then(() => asked.push('asked again')));
      await shell.open('Catalog');
      assert.equal(asked.length, 1);

      await shell.open('Audit trail');
      const audit = new AuditPage(page);
      await shown(audit.actionRecordedAs('settings.set').first());
      assert.doesNotMatch(await audit.actionWords(0), /\./, 'the action in words, not its code');
      await shoot(page, 'shell-09-audit-actions', { folder: folder(size) });
    }
  });

  it('logged no console error, CSP or Trusted Types violation', () => {
    assert.deepEqual(errors.flat(), []);
  });
});
