/**
 * Issue 16 item 1 ("or from the desktop app"): the window is a client of a running service (as
 * Electron main is when one answers: main/service-link.ts) that is sealed. It says so and offers
 * Unseal; a viewer is refused and the service stays sealed; an admin unseals it, then signs in, and
 * the header says since when and by whom. Screens under test-results/screenshots/<size>/unseal-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Core } from '../../src/api/core';
import { dispatch } from '../../src/api/dispatcher';
import { Service } from '../../src/service';
import { ServiceCoreLink } from '../../main/service-link';
import { ADMIN_PASSWORD, FAST_SCRYPT, tempDir } from '../helpers/core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot, SIZES } from './browser';
import { DashboardPage, SignInPage, UnsealPage } from './pages';
import { shown } from './windows';

describe('Unseal a sealed service from the desktop window', { timeout: 180_000 }, () => {
  let home: string;
  let service: Service;
  let link: ServiceCoreLink | null;
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const contexts: BrowserContext[] = [];

  before(async () => {
    home = join(tempDir('e2e-unseal-'), 'home');
    const init = new Core({ home, scryptCost: FAST_SCRYPT });
    await dispatch(init, null, 'system.init', { adminName: 'admin', password: ADMIN_PASSWORD });
    const admin = await dispatch(init, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD });
    await dispatch(init, admin.sessionId, 'users.add', { name: 'vera', password: 'vera-password-123', roles: ['viewer'] });
    await init.close();
    service = await Service.start({ core: new Core({ home, scryptCost: FAST_SCRYPT }) });
    link = await ServiceCoreLink.connect(home, () => undefined);
    assert.ok(link, 'the window reaches the service');
    harness = await startHarness({ home, link });
    browser = await launchBrowser();
    const app = await openApp(browser, harness, SIZES[0]);
    contexts.push(app.context);
    errors = app.errors;
    page = app.page;
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await harness?.close();
    link?.close();
    await service?.stop();
    rmSync(join(home, '..'), { recursive: true, force: true });
  });

  it('says the service is sealed, refuses a viewer, unseals with an admin, then signs in and shows the state', async () => {
    const unseal = new UnsealPage(page);
    await shown(unseal.heading);
    assert.match(await page.getByText(/has been sealed since/).innerText(), /no task or schedule runs and no one can sign in/);
    assert.equal(service.sealed, true);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await shoot(page, 'unseal-01-sealed', { sized: true });
    }
    await page.setViewportSize(SIZES[0]);

    await unseal.unseal('vera', 'vera-password-123');
    await shown(unseal.alert.filter({ hasText: /unseal the service/ }));
    assert.equal(service.sealed, true, 'a viewer does not unseal it');
    await unseal.unseal('admin', 'not the password');
    await shown(unseal.alert.filter({ hasText: /password/i }));
    assert.equal(service.sealed, true);

    await unseal.unseal('admin', ADMIN_PASSWORD);
    const signIn = new SignInPage(page);
    await shown(signIn.heading);
    await shown(page.getByRole('status').filter({ hasText: 'The service is unsealed by admin. Sign in.' }));
    assert.equal(service.sealed, false);
    assert.equal(service.status().unsealedBy, 'admin');

    await signIn.signIn('admin', ADMIN_PASSWORD);
    await new DashboardPage(page).heading.waitFor();
    const badge = unseal.serviceBadge();
    await shown(badge);
    assert.match((await badge.getAttribute('title')) ?? '', /^Service unsealed since \d{4}-\d{2}-\d{2} \d{2}:\d{2}.* by admin$/);
    assert.match(await badge.innerText(), /Unsealed since \d{2}:\d{2}/);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'the header fits at 1024 px');
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await shoot(page, 'unseal-02-signed-in', { sized: true });
    }
    await page.setViewportSize(SIZES[0]);
    assert.deepEqual(errors, []);
  });
});
