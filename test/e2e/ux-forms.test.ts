/**
 * Issue 15 item 10, forms and copy, in Debian's Chromium at 1024x768 and 1920x1080: the recovery key
 * has Print, which prints a sheet with the key and nothing else of the window (print media), and
 * fingerprints and digests have Copy buttons that work from the keyboard, go to the clipboard through
 * the bridge (main writes it; the window has no clipboard permission) and say "Copied".
 * Screens are saved in light and dark under test-results/screenshots/<size>/ux-forms-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot, SIZES } from './browser';
import { DashboardPage, RecoveryKeyPage, SetupPage, ShellPage, SigningIdentityPage } from './pages';
import { shown } from './windows';

const ADMIN = { name: 'petra', password: 'petra prints the key' };
describe('forms and copy: Print for the recovery key, Copy for fingerprints', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  const contexts: BrowserContext[] = [];
  const errors: string[][] = [];

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    const app = await openApp(browser, harness, SIZES[0]);
    contexts.push(app.context);
    errors.push(app.errors);
    page = app.page;
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await harness?.close();
  });

  it('the recovery key prints from the keyboard; the printout is the key sheet alone', async () => {
    const setup = new SetupPage(page);
    await setup.heading.waitFor();
    await setup.createAdmin(ADMIN.name, ADMIN.password);
    const recovery = new RecoveryKeyPage(page);
    await recovery.heading.waitFor({ timeout: 60_000 });
    const key = await recovery.keyText();
    // The system print dialog is not the page's to test: count the calls instead.
    await page.evaluate(() => {
      const w = window as unknown as { printed: number };
      w.printed = 0;
      window.print = () => void w.printed++;
    });
    const print = page.getByRole('button', { name: 'Print…' });
    await print.focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => (window as unknown as { printed: number }).printed), 1);

    for (const size of SIZES) {
      await page.setViewportSize(size);
      await shoot(page, 'ux-forms-01-recovery-key', { sized: true });
      await page.emulateMedia({ media: 'print' });
      // The sheet is hidden from assistive technology (the key is on screen already): found by its title text.
      const sheet = page.getByText('Airgap Runner recovery key', { exact: true }).locator('..');
      await shown(sheet);
      assert.ok(
        (await sheet.innerText()).split('\n').some((line) => line.trim() === key),
        'the key is printed whole',
      );
      assert.equal(await recovery.continue.isVisible(), false, 'the rest of the window is not printed');
      assert.equal(await print.isVisible(), false);
      await shoot(page, 'ux-forms-02-recovery-key-printout', { sized: true });
      await page.emulateMedia({ media: 'screen' });
      assert.equal(await sheet.isVisible(), false, 'on screen the sheet is hidden');
    }
    await page.setViewportSize(SIZES[0]);
    await recovery.stored.check();
    await recovery.continue.click();
    await new DashboardPage(page).heading.waitFor();
  });

  it('a fingerprint copies from the keyboard, through the bridge, and says Copied', async () => {
    const identity = new SigningIdentityPage(page);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await new ShellPage(page).open('Signing identity');
      await shown(identity.current);
      const fingerprint = (
        await identity.current.getByText('Fingerprint', { exact: true }).locator('xpath=following-sibling::dd[1]').innerText()
      )
        .replace(/\s*Cop(y|ied)$/, '')
        .trim();
      assert.match(fingerprint, /^[0-9a-f:]{20,}$/i);
      const copy = identity.current.getByRole('button', { name: 'Copy fingerprint' });
      await copy.focus();
      await page.keyboard.press('Enter');
      await shown(copy.filter({ hasText: 'Copied' }));
      await shown(page.getByRole('status').filter({ hasText: 'Copied the fingerprint.' }));
      assert.equal(await page.evaluate(async () => await navigator.clipboard.readText()), fingerprint);
      await shoot(page, 'ux-forms-03-fingerprint-copied', { sized: true, fullPage: false });
      // It goes back to "Copy" after a moment.
      await shown(copy.filter({ hasText: /^Copy$/ }));
    }
  });

  it('no page logged a CSP, Trusted Types or script error', () => {
    assert.deepEqual(errors.flat(), []);
  });
});
