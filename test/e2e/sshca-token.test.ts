/**
 * Keys on a hardware token from the desktop screens (issue 18), with Debian's softhsm2 (the token
 * test/services.sh --remote made) under a real core in Debian's Chromium:
 * - the admin makes the SSH CA's key on the token: the PIN dialog has focus in its field, Escape
 *   cancels (nothing made), a wrong PIN typed and sent with Enter is refused in words and the field
 *   emptied, the right PIN makes the authority;
 * - the admin moves the audit signing identity onto the token from the Signing identity screen;
 * - an auditor's export asks the PIN in the same dialog: three wrong PINs are refused, the third saying
 *   how long the next try waits, the fourth try (even the right PIN) is held back with the wait in
 *   words; after the wait the export is signed on the token and passes `openssl cms -verify` and our
 *   verifier; nothing was written for the refused tries;
 * - neither PIN is anywhere in the audit trail.
 * Shot light and dark at 1024x768 and 1920x1080.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { dispatch } from '../../src/api/dispatcher';
import { verifyBundles } from '../../src/audit/verify';
import type { Harness } from './harness';
import { startAdminSuite, type AdminSuite, type AppWindow } from './admin-suite';
import { openApp, shootSizes, SIZES } from './browser';
import { AuditExportPage, PinDialogPage, ShellPage, SignInPage, SigningIdentityPage, SshCaPage } from './pages';
import { addUser } from '../helpers/core';
import { opensslVerifyManifest } from '../unit/audit/openssl';

const env = process.env;
const skip =
  !env.AIRGAP_TEST_PKCS11_MODULE || !env.SOFTHSM2_CONF || !env.AIRGAP_TEST_PKCS11_TOKEN || !env.AIRGAP_TEST_PKCS11_PIN
    ? 'SKIP: no softhsm2 token (AIRGAP_TEST_PKCS11_*, SOFTHSM2_CONF): start test/services.sh --remote'
    : false;

const ADMIN = { name: 'sara', password: 'sara keeps the site keys' };
const WRONG_PIN = '71829364';

describe('keys on a hardware token from the desktop screens (softhsm2)', { skip, timeout: 240_000 }, () => {
  const module = env.AIRGAP_TEST_PKCS11_MODULE!;
  const token = env.AIRGAP_TEST_PKCS11_TOKEN!;
  const pin = env.AIRGAP_TEST_PKCS11_PIN!;
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  let harness: Harness;
  let browser: Browser;
  let admin: AppWindow;
  let suite: AdminSuite | undefined;

  before(async () => {
    suite = await startAdminSuite(ADMIN);
    ({ harness, browser, admin } = suite);
  });

  after(async () => {
    await suite?.close();
  });

  it('the SSH CA key is made on the token: focus in the PIN field, Escape cancels, a wrong PIN is refused in words', async () => {
    const page = admin.page;
    await new ShellPage(page).open('SSH certificate authority');
    const ca = new SshCaPage(page);
    await ca.heading.waitFor();
    const count = () => (harness.core.store.db.prepare('SELECT count(*) AS n FROM ssh_cas').get() as { n: number }).n;
    const ref = { module, token, keyLabel: `e2e-ca-${stamp}`, generate: true };
    const title = 'Use a key on a hardware token as the SSH certificate authority?';

    harness.dialogs.open.push(module);
    await ca.openToken('token-ca', ref);
    const dialog = new PinDialogPage(page, title);
    await dialog.box.waitFor();
    assert.equal(await dialog.pinFocused(), true, 'focus starts in the PIN field');
    assert.match(
      await dialog.box.innerText(),
      new RegExp(`A new key, labelled e2e-ca-\\S+, is made on the token ${token} and becomes token-ca\\.`),
    );
    await shootSizes(page, 'sshca-token-01-pin');
    await page.keyboard.press('Escape');
    await dialog.box.waitFor({ state: 'detached' });
    assert.equal(count(), 0, 'Escape cancelled: nothing made');

    await ca.createCard.getByRole('button', { name: 'Use token key…' }).click();
    await dialog.typeAndEnter(WRONG_PIN);
    const refused = await dialog.refusal(/Wrong PIN/);
    assert.match(refused, new RegExp(`Wrong PIN for the token "${token}"\\. 2 more tries before each one must wait\\.`));
    assert.equal(await dialog.pin.inputValue(), '', 'the field is emptied after each try');
    assert.equal(await dialog.pinFocused(), true, 'focus is back in the field for another try');
    await shootSizes(page, 'sshca-token-02-wrong-pin');
    assert.equal(count(), 0);

    await dialog.typeAndEnter(pin);
    await dialog.box.waitFor({ state: 'detached' });
    await ca.status.filter({ hasText: 'Authority token-ca created and active.' }).waitFor();
    await ca.active.getByText(new RegExp(`ecdsa-sha2-nistp256, hardware token ${token}, key e2e-ca-`)).waitFor();
    assert.match(await ca.publicKey.innerText(), /^ecdsa-sha2-nistp256 AAAA/);
    await shootSizes(page, 'sshca-token-03-active');
  });

  it('the admin moves the audit signing identity onto the token, with its PIN asked in the same dialog', async () => {
    const page = admin.page;
    await new ShellPage(page).open('Signing identity');
    const screen = new SigningIdentityPage(page);
    await screen.heading.waitFor();
    const before = await screen.current.innerText();
    assert.match(before, /sealed in this workstation/);
    harness.dialogs.open.push(module);
    await screen.chooseToken({ module, token, keyLabel: `e2e-audit-${stamp}`, generate: true });
    await shootSizes(page, 'sshca-token-04-identity-choice');
    await screen.page.getByRole('button', { name: 'Use the token key…' }).click();
    const dialog = new PinDialogPage(page, 'Make the new identity on the hardware token');
    assert.equal(await dialog.pinFocused(), true);
    await dialog.typeAndEnter(pin);
    await screen.statusSays(/on the token airgap-test; the old one endorsed it/);
    // The card reloads after the notice: wait for it to say where the key now is.
    await screen.current.getByText(new RegExp(`on the hardware token ${token}, key e2e-audit-\\S+: exports ask for its PIN`)).waitFor();
    await shootSizes(page, 'sshca-token-05-identity');
  });

  it("an auditor's export asks the PIN: wrong ones refused, then held back with the wait in words; the right one signs on the token", async () => {
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    const auditor = await addUser(harness.core, session, 'aude', ['auditor']);
    const app = await openApp(browser, harness, SIZES[0]);
    const dir = mkdtempSync(join(tmpdir(), 'e2e-token-export-'));
    try {
      const page = app.page;
      await new SignInPage(page).signIn('aude', auditor.password);
      await new ShellPage(page).open('Audit export');
      const exp = new AuditExportPage(page);
      await exp.heading.waitFor();
      const out = join(dir, 'signed-on-token.tar.gz');
      harness.dialogs.save.push(out);
      await exp.choose(null);
      await page.getByRole('button', { name: 'Export and sign on the token…' }).click();
      const dialog = new PinDialogPage(page, 'Sign the export on the hardware token');
      assert.equal(await dialog.pinFocused(), true);

      await dialog.typeAndEnter(WRONG_PIN);
      assert.match(await dialog.refusal(/Wrong PIN/), /2 more tries before each one must wait/);
      await dialog.typeAndEnter(WRONG_PIN);
      assert.match(await dialog.refusal(/1 more try before/), /Wrong PIN/);
      await dialog.typeAndEnter(WRONG_PIN);
      const third = await dialog.refusal(/After 3 wrong PINs/);
      assert.match(third, new RegExp(`Wrong PIN for the token "${token}"\\. After 3 wrong PINs the next try waits 5 s\\.`));
      // Held back by our throttle before the token sees it, even the right PIN.
      await dialog.typeAndEnter(pin);
      const held = await dialog.refusal(/next try is possible in/);
      assert.match(held, new RegExp(`3 wrong PINs were given for the token "${token}"; the next try is possible in [1-5] s\\.`));
      await shootSizes(page, 'sshca-token-06-export-throttled');
      assert.equal(existsSync(out), false, 'nothing was written for the refused tries');

      await page.waitForTimeout(5500);
      await dialog.typeAndEnter(pin);
      await exp.result.waitFor();
      await shootSizes(page, 'sshca-token-07-export-signed');
      assert.deepEqual(app.errors, [], 'no console errors');

      const report = await verifyBundles([out]);
      assert.equal(report.ok, true, report.firstProblem ?? '');
      const identity = await dispatch(harness.core, session, 'audit.identity', {});
      assert.equal(identity.token?.token, token);
      assert.equal(report.bundles[0]?.signer?.fingerprint, identity.fingerprint, 'signed by the token identity');
      const unpacked = join(dir, 'unpacked');
      mkdirSync(unpacked);
      assert.equal(spawnSync('tar', ['-xzf', out, '-C', unpacked]).status, 0);
      writeFileSync(join(unpacked, 'cert.pem'), identity.certPem);
      const verified = opensslVerifyManifest(unpacked);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stderr, /Verification successful/);
    } finally {
      await app.context.close();
    }
  });

  it('neither the right nor a wrong PIN is anywhere in the audit trail', () => {
    const dump = JSON.stringify(harness.core.store.db.prepare('SELECT * FROM audit_events').all());
    assert.ok(dump.includes('audit.export'), 'the trail holds the export and its refusals');
    assert.ok(!dump.includes(pin), 'the PIN is not recorded');
    assert.ok(!dump.includes(WRONG_PIN), 'a wrong PIN is not recorded');
    assert.deepEqual(admin.errors, [], 'no console errors');
  });
});
