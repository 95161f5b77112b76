/**
 * Issue 14 §5's e2e: offline TOTP in Debian's Chromium on a real core and encrypted store, keyboard
 * only (Tab, typing, Enter, Space; no clicks): an admin enrols an authenticator from "My account"
 * (the QR code drawn in the page from the otpauth URI, the secret and the recovery codes shown
 * once), signs out and in again with a code from the real oathtool; then requires TOTP for
 * operators, and an operator who has not enrolled is taken through enrolment at sign-in before
 * anything else. The core's clock is fixed so codes are deterministic (oathtool --now). Screens are
 * shot light and dark at 1024x768 and 1920x1080.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import qrcode from 'qrcode-generator';
import { fixedClock } from '../../src/kernel';
import { dispatch } from '../../src/api/dispatcher';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot } from './browser';
import { DashboardPage, ShellPage, SignInPage, TotpEnrolPage, UsersPage } from './pages';
import { shown, Windows } from './windows';
import { addUser } from '../helpers/core';
import { hasOathtool, oathtool } from '../helpers/totp';

const ADMIN = { name: 'ines', password: 'ines signs for the site' };
const SIZES = [
  { width: 1024, height: 768 },
  { width: 1920, height: 1080 },
] as const;
const STEP = 30_000;
const skip = hasOathtool() ? false : 'oathtool is not installed (apt-get install oathtool; scripts/setup-debian.sh installs it)';

/** Presses Tab until `target` has the focus (as a keyboard user would), at most `max` times. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  const handle = await target.elementHandle();
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((el) => document.activeElement === el, handle)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${String(target)}`);
}

async function focused(page: Page, target: Locator): Promise<boolean> {
  const handle = await target.elementHandle();
  return await page.evaluate((el) => document.activeElement === el, handle);
}

/** Shoots the screen at both sizes, then puts the window back to the first. */
async function shootSizes(page: Page, name: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await shoot(page, name, { sized: true });
  }
  await page.setViewportSize(SIZES[0]);
}

describe('offline TOTP in Chromium, keyboard only', { timeout: 300_000, skip }, () => {
  const clock = fixedClock('2026-12-04T17:00:10Z');
  let harness: Harness;
  let browser: Browser;
  const windows = new Windows(() => ({ browser, harness }));
  const requests: string[] = [];
  let secret = '';

  before(async () => {
    harness = await startHarness({ clock });
    browser = await launchBrowser();
    await dispatch(harness.core, null, 'system.init', { adminName: ADMIN.name, password: ADMIN.password });
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await harness?.close();
  });

  async function window(): Promise<Page> {
    const page = await windows.open();
    await page.setViewportSize(SIZES[0]);
    page.on('request', (r) => requests.push(r.url()));
    return page;
  }

  /** Name, Tab, password, Enter: the sign-in form as a keyboard user fills it. */
  async function typeCredentials(page: Page, user: { name: string; password: string }): Promise<SignInPage> {
    const signIn = new SignInPage(page);
    await shown(signIn.heading);
    assert.ok(await focused(page, signIn.name), 'the user name field has the focus');
    await page.keyboard.type(user.name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    return signIn;
  }

  /** The enrolment, keyboard only, wherever it is shown; returns the secret and the recovery codes. */
  async function enrolByKeyboard(page: Page, shotPrefix: string): Promise<{ secret: string; codes: string[] }> {
    const enrol = new TotpEnrolPage(page);
    await tabTo(page, enrol.start);
    await page.keyboard.press('Enter');
    await shown(enrol.qr);
    const shownSecret = await enrol.secretText();
    assert.match(shownSecret, /^[A-Z2-7]{32}$/);
    assert.ok(await focused(page, enrol.code), 'the code field takes the focus');
    await shootSizes(page, `${shotPrefix}-scan`);

    // The QR code is drawn in the page from the otpauth URI: the same modules qrcode-generator makes from it.
    const drawn = await enrol.qr.locator('path').getAttribute('d');
    const expected = qrcode(0, 'M');
    expected.addData(uriFor(enrolledName, shownSecret));
    expected.make();
    assert.equal(drawn?.split('z').length, countDark(expected) + 1, 'the drawn QR has one square per dark module of the otpauth URI');

    await page.keyboard.type(oathtool(shownSecret, clock.now()));
    await page.keyboard.press('Enter');
    await shown(enrol.recoveryCodes);
    const codes = await enrol.codes();
    assert.equal(codes.length, 10);
    assert.ok(await focused(page, enrol.saved), 'the "I have saved" box takes the focus');
    await shootSizes(page, `${shotPrefix}-recovery-codes`);
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    assert.ok(await focused(page, enrol.done));
    await page.keyboard.press('Enter');
    return { secret: shownSecret, codes };
  }

  let enrolledName = ADMIN.name;
  const uriFor = (name: string, s: string) =>
    `otpauth://totp/Airgap%20Runner:${name}?issuer=Airgap%20Runner&secret=${s}&algorithm=SHA1&digits=6&period=30`;
  function countDark(qr: ReturnType<typeof qrcode>): number {
    let n = 0;
    for (let r = 0; r < qr.getModuleCount(); r++) for (let c = 0; c < qr.getModuleCount(); c++) if (qr.isDark(r, c)) n++;
    return n;
  }

  it('an admin enrols from My account, then signs in with the password and a code from oathtool', async () => {
    const page = await window();
    await typeCredentials(page, ADMIN);
    await shown(new DashboardPage(page).heading);

    const shell = new ShellPage(page);
    await tabTo(page, shell.link('My account'));
    await page.keyboard.press('Enter');
    await shown(page.getByRole('heading', { level: 1, name: 'My account' }));
    const enrol = new TotpEnrolPage(page);
    await shown(enrol.card);
    await shootSizes(page, 'totp-01-account-off');
    enrolledName = ADMIN.name;
    ({ secret } = await enrolByKeyboard(page, 'totp-02-account'));
    await shown(enrol.card.getByText('TOTP is on.'));
    await shown(enrol.card.getByText('Recovery codes left'));
    await shootSizes(page, 'totp-03-account-on');

    // Sign out (keyboard), then in: the password, then the code the form asks for.
    await tabTo(page, shell.signOutButton);
    await page.keyboard.press('Enter');
    clock.advance(STEP);
    const signIn = await typeCredentials(page, ADMIN);
    await shown(signIn.code);
    assert.ok(await focused(page, signIn.code), 'the code field takes the focus after the password');
    await shootSizes(page, 'totp-04-sign-in-code');
    // A wrong code: refused, the password kept, the code field ready again.
    await page.keyboard.type('000000');
    await page.keyboard.press('Enter');
    await shown(signIn.error.getByText(/not accepted/));
    await shootSizes(page, 'totp-05-sign-in-code-refused');
    await signIn.code.waitFor();
    await tabTo(page, signIn.code);
    await page.keyboard.type(oathtool(secret, clock.now()));
    await page.keyboard.press('Enter');
    // Signed in again, back where the window was.
    await shown(shell.signOutButton);
    await shown(page.getByRole('heading', { level: 1, name: 'My account' }));
  });

  it('the same code again is refused (each code works once)', async () => {
    const page = await window();
    const signIn = await typeCredentials(page, ADMIN);
    await shown(signIn.code);
    await page.keyboard.type(oathtool(secret, clock.now()));
    await page.keyboard.press('Enter');
    await shown(signIn.error.getByText(/not accepted/));
  });

  it('an admin requires TOTP for operators; an operator who has not enrolled enrols at sign-in before anything else', async () => {
    clock.advance(5 * 60_000); // past the throttle of the refusals above
    const adminSession = (
      await dispatch(harness.core, null, 'auth.signIn', {
        name: ADMIN.name,
        password: ADMIN.password,
        totpCode: oathtool(secret, clock.now()),
      })
    ).sessionId;
    const olga = await addUser(harness.core, adminSession, 'olga', ['operator'], 'olga runs the checks');

    const page = await window();
    clock.advance(STEP);
    const adminSignIn = await typeCredentials(page, ADMIN);
    await shown(adminSignIn.code);
    await page.keyboard.type(oathtool(secret, clock.now()));
    await page.keyboard.press('Enter');
    await shown(new DashboardPage(page).heading);
    const shell = new ShellPage(page);
    await tabTo(page, shell.link('Users and roles'));
    await page.keyboard.press('Enter');
    const users = new UsersPage(page);
    await shown(users.heading);
    const operator = users.region('Two-step sign-in (TOTP)').getByLabel('Operator');
    await tabTo(page, operator);
    await page.keyboard.press('Space');
    await shown(users.region('Two-step sign-in (TOTP)').getByText(/now required for Operator/));
    assert.equal(await operator.isChecked(), true);
    await shootSizes(page, 'totp-06-users-requirement');
    const required = await dispatch(harness.core, adminSession, 'auth.totp.requirements', {});
    assert.deepEqual(required.roles, ['operator']);

    const op = await window();
    await typeCredentials(op, { name: 'olga', password: olga.password });
    const enrol = new TotpEnrolPage(op);
    await shown(enrol.requiredHeading);
    await shootSizes(op, 'totp-07-enrol-required');
    enrolledName = 'olga';
    await enrolByKeyboard(op, 'totp-08-enrol-required');
    await shown(new DashboardPage(op).heading);

    // Nothing reached the network: every request the windows made went to the app itself.
    const origin = new URL(harness.url).origin;
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(origin)),
      [],
    );
    for (const errors of windows.errors) assert.deepEqual(errors, [], 'no console errors (CSP included)');
  });
});
