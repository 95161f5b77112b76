/**
 * The SSH certificate authority screen (issue 18) in Debian's Chromium on a real core and encrypted
 * store: the admin creates an authority from the screen after a confirm step, sees its public key
 * (with a Copy button) and fingerprint, creates a second one (the confirm step says the first is
 * retired and hosts must trust the new key; the first is then listed as retired), and allows a
 * bundle principals with a source-address limit; the grant is listed and is what the core holds.
 * An authority is imported from a key file picked in the file dialog: a passphrase-protected key and
 * an RSA key are refused with the reason and change nothing; an ed25519 key becomes active after a
 * confirm step naming the retired one. The revocation list is saved where the save dialog says and
 * ssh-keygen reads the issued serial in it.
 * Screens are shot light and dark at 1024x768 and 1920x1080.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Harness } from './harness';
import { startAdminSuite, type AdminSuite, type AppWindow } from './admin-suite';
import { shootSizes } from './browser';
import { ShellPage, SshCaPage } from './pages';

const ADMIN = { name: 'sara', password: 'sara keeps the site keys' };

describe('SSH certificate authority screen in Chromium', { timeout: 180_000 }, () => {
  let harness: Harness;
  let admin: AppWindow;
  let suite: AdminSuite | undefined;

  before(async () => {
    suite = await startAdminSuite(ADMIN);
    ({ harness, admin } = suite);
  });

  after(async () => {
    await suite?.close();
  });

  it('the admin creates an authority after a confirm step; its public key and fingerprint show', async () => {
    const page = admin.page;
    await new ShellPage(page).open('SSH certificate authority');
    const ca = new SshCaPage(page);
    await ca.heading.waitFor();
    await ca.active.getByText('No certificate authority yet').waitFor();
    await ca.grants.getByText('No bundle or tag is allowed any principal yet.').waitFor();
    await ca.issued.getByText('No certificate has been issued yet.').waitFor();
    await shootSizes(page, 'sshca-01-empty');

    await ca.openCreate('site-ca-1');
    const said = await ca.dialog.innerText();
    assert.match(said, /sealed in the vault/);
    assert.doesNotMatch(said, /retired/, 'with no authority yet, nothing is retired');
    await ca.confirmCreate('site-ca-1');

    const key = await ca.publicKey.innerText();
    assert.match(key, /^ssh-ed25519 AAAA[0-9A-Za-z+/=]+/);
    await ca.copyPublicKey.waitFor();
    const listed = harness.core.store.db.prepare('SELECT count(*) AS n FROM ssh_cas').get() as { n: number } | undefined;
    assert.equal(listed?.n, 1, 'one authority in the store');
    assert.match(await ca.active.innerText(), /Fingerprint\s+SHA256:/);
    assert.match(await ca.active.innerText(), /Created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  });

  it('a second authority retires the first; the confirm step says hosts must trust the new key', async () => {
    const page = admin.page;
    const ca = new SshCaPage(page);
    const first = await ca.publicKey.innerText();
    await ca.openCreate('site-ca-2');
    const said = await ca.dialog.innerText();
    assert.match(said, /current authority is retired/);
    assert.match(said, /Hosts must trust the new public key/);
    await shootSizes(page, 'sshca-02-confirm-replace');
    await ca.confirmCreate('site-ca-2');
    await ca.active.getByText('site-ca-2', { exact: true }).waitFor();
    assert.notEqual(await ca.publicKey.innerText(), first, 'the new key is shown');
    await ca.rowIn(ca.retired, 'site-ca-1').waitFor();
  });

  it('principals are allowed for a bundle; the grant is listed', async () => {
    const page = admin.page;
    const ca = new SshCaPage(page);
    await ca.allow('A bundle', 'db-maintenance', 'deploy, backup', { sourceAddress: '10.0.0.0/8' });
    const row = ca.rowIn(ca.grants, 'Bundle db-maintenance');
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /backup, deploy/, 'the principals, as the core keeps them (sorted)');
    assert.match(text, /10\.0\.0\.0\/8/);
    const grants = harness.core.store.db.prepare('SELECT count(*) AS n FROM ssh_grants').get() as { n: number } | undefined;
    assert.equal(grants?.n, 1, 'one grant in the store');
    assert.match(text, new RegExp(`by ${ADMIN.name}`));
    await shootSizes(page, 'sshca-03-grant');
  });

  it('a certificate a run was issued is listed with its run, serial, principals and validity', async () => {
    const page = admin.page;
    // Recorded as a run's issue step records it (issuing itself is covered by the SSH CA integration tests).
    harness.core.store.db
      .prepare(
        'INSERT INTO ssh_certificates(serial, ca, run_id, credential, key_id, principals, valid_after, valid_before, key_sha256, critical, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        '4242424242',
        'site-ca-2',
        'r-sshca-e2e',
        'db',
        'airgap-run:r-sshca-e2e:db',
        JSON.stringify(['backup', 'deploy']),
        '2026-12-04T09:00:00.000Z',
        '2026-12-04T10:30:00.000Z',
        'a'.repeat(64),
        JSON.stringify({ 'source-address': '10.0.0.0/8' }),
        '2026-12-04T09:00:30.000Z',
      );
    await page.reload();
    const ca = new SshCaPage(page);
    const row = ca.rowIn(ca.issued, '4242424242');
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /r-sshca-e2e/);
    assert.match(text, /backup, deploy/);
    assert.match(text, /2026-12-04 \d\d:00:00 UTC([+-]\d\d:\d\d)?\s+2026-12-04 \d\d:30:00 UTC/, '24-hour ISO times with the zone');
    await shootSizes(page, 'sshca-04-issued');
    assert.deepEqual(admin.errors, [], 'no console errors');
  });

  it('a CA key file is imported after a confirm step; passphrase-protected and RSA keys are refused with the reason', async () => {
    const page = admin.page;
    const ca = new SshCaPage(page);
    const dir = mkdtempSync(join(tmpdir(), 'sshca-keys-'));
    const keygen = (file: string, ...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args, '-C', 'e2e', '-f', join(dir, file)]);
    keygen('locked', '-t', 'ed25519', '-N', 'a passphrase');
    keygen('rsa', '-t', 'rsa', '-b', '2048', '-N', '');
    keygen('good', '-t', 'ed25519', '-N', '');
    const count = () => (harness.core.store.db.prepare('SELECT count(*) AS n FROM ssh_cas').get() as { n: number }).n;
    const before = count();
    const active = await ca.publicKey.innerText();

    for (const [file, reason] of [
      ['locked', /passphrase-protected/],
      ['rsa', /only ed25519 CA keys can be imported \(this one is ssh-rsa\)/],
    ] as const) {
      harness.dialogs.open.push(join(dir, file));
      const dialog = await ca.openImport(`site-ca-${file}`, join(dir, file));
      await dialog.getByRole('button', { name: 'Import authority' }).click();
      const refusal = dialog.getByRole('alert');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), reason);
      assert.match(await refusal.innerText(), /not imported/);
      if (file === 'locked') await shootSizes(page, 'sshca-05-import-refused');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(count(), before, 'nothing was added');
      assert.equal(await ca.publicKey.innerText(), active, 'the active authority is unchanged');
    }

    harness.dialogs.open.push(join(dir, 'good'));
    const dialog = await ca.openImport('site-ca-imported', join(dir, 'good'));
    const said = await dialog.innerText();
    assert.match(said, /sealed in the vault as site-ca-imported/);
    assert.match(said, /current authority is retired/);
    await dialog.getByRole('button', { name: 'Import authority' }).click();
    await ca.status.filter({ hasText: 'Authority site-ca-imported created and active.' }).waitFor();
    const expected = readFileSync(join(dir, 'good.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    assert.equal(
      (await ca.publicKey.innerText()).trim(),
      `${expected} airgap-runner-ca:site-ca-imported`,
      "the active key is the file's key",
    );
    await ca.rowIn(ca.retired, 'site-ca-2').waitFor();
  });

  it('the revocation list is saved where the save dialog says; ssh-keygen finds the issued serial in it', async () => {
    const page = admin.page;
    const ca = new SshCaPage(page);
    const out = join(mkdtempSync(join(tmpdir(), 'sshca-krl-')), 'site.krl');
    harness.dialogs.save.push(out);
    const said = await ca.saveRevocationList();
    assert.match(said, new RegExp(`Saved ${out}: 1 certificate revoked`));
    assert.ok(existsSync(out));
    const listed = execFileSync('ssh-keygen', ['-Q', '-l', '-f', out], { encoding: 'utf8' });
    assert.match(listed, /4242424242/, 'the serial issued by site-ca-2 is revoked');
    // The same name again: refused, the file untouched.
    harness.dialogs.save.push(out);
    await ca.revocation.getByRole('button', { name: 'Save revocation list…' }).click();
    await ca.revocation.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    await shootSizes(page, 'sshca-06-krl');
    assert.deepEqual(admin.errors, [], 'no console errors');
  });
});
