/**
 * Issue 14 §7's admin screens in Debian's Chromium on a real core and encrypted store, with the real
 * test IdP's metadata file and slapd (test/services.sh --identity): the admin is refused the IdP
 * method while none is set up (nothing changes), imports the IdP metadata through the file dialog
 * and reads what was pinned (name, certificate fingerprint equal to the IdP's certificate, validity,
 * entity id in details, our entity id and ACS URL with Copy, REFEDS MFA by default), is told what is
 * wrong with a bad clock skew (the typed value kept, nothing saved), sets the directory with the site
 * CA picked from a file, maps groups to roles (each change confirmed, in the audit trail), and
 * switches to the directory after a confirm step that says what changes and the break-glass path.
 * Two people then sign in through the real directory: one newly given a role, one who lost theirs;
 * Users shows both in words and the admin grants and confirms them. Shot light and dark at
 * 1024x768 and 1920x1080.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dispatch } from '../../src/api/dispatcher';
import { IdentityConfig } from '../../src/identity';
import { addUser } from '../helpers/core';
import type { Harness } from './harness';
import { startAdminSuite, type AdminSuite, type AppWindow } from './admin-suite';
import { shootSizes } from './browser';
import { ShellPage, SignInSettingsPage, UsersPage } from './pages';
import { shown } from './windows';

const e = process.env;
const ADMIN = { name: 'sara', password: 'sara keeps the site keys' };
const skip =
  e.AIRGAP_TEST_IDP_METADATA && e.AIRGAP_TEST_IDP_CERT && e.AIRGAP_TEST_LDAP_URL && e.AIRGAP_TEST_LDAP_CA
    ? false
    : 'no test IdP or slapd (AIRGAP_TEST_IDP_*, AIRGAP_TEST_LDAP_*): start test/services.sh --identity';

/** What the GUI must never show: CLI command lines, raw operation names, setting keys. */
function noJargon(text: string): void {
  assert.doesNotMatch(
    text,
    /airgap-runner |identity\.(show|setMode|saml|ldap|mapping)|users\.setRoles|auth\.mode|userDnTemplate|groupMode/,
  );
}

describe('Sign-in and identity screen in Chromium', { timeout: 240_000, skip }, () => {
  let harness: Harness;
  let admin: AppWindow;
  let suite: AdminSuite | undefined;
  const config = () => new IdentityConfig(harness.core.store.db);

  before(async () => {
    suite = await startAdminSuite(ADMIN);
    ({ harness, admin } = suite);
  });

  after(async () => {
    await suite?.close();
  });

  it('the IdP method is refused with a clear message while no IdP is set up; nothing changes', async () => {
    const page = admin.page;
    await new ShellPage(page).open('Sign-in and identity');
    const screen = new SignInSettingsPage(page);
    await shown(screen.heading);
    assert.equal(await screen.currentMethod(), 'Local passwords only');
    await screen.idp.getByText('No identity provider yet').waitFor();
    await screen.mappings.getByText('No group gives a role yet').waitFor();
    await shootSizes(page, 'sign-in-01-empty');
    const dialog = await screen.chooseMethod('Password, then the identity provider');
    await dialog.getByRole('button', { name: 'Change sign-in method', exact: true }).click();
    await dialog
      .getByRole('alert')
      .getByText(/identity provider is not set up yet: import its metadata file first/)
      .waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(config().mode(), 'local');
    assert.equal(await screen.currentMethod(), 'Local passwords only');
    assert.ok(
      await screen.method.getByRole('radio', { name: /^Local passwords only/ }).isChecked(),
      'the choice is back to the method in force',
    );
  });

  it('the IdP metadata is imported from a picked file; what was pinned is shown in words', async () => {
    const page = admin.page;
    const screen = new SignInSettingsPage(page);
    harness.dialogs.open.push(e.AIRGAP_TEST_IDP_METADATA!);
    await screen.importMetadata();
    await screen.status.filter({ hasText: /imported; its signing certificate is pinned/ }).waitFor();
    const expected = new X509Certificate(readFileSync(e.AIRGAP_TEST_IDP_CERT!)).fingerprint256;
    assert.equal(await screen.fingerprint(), expected, 'the fingerprint shown is the IdP certificate’s');
    const pinned = await screen.pinned.innerText();
    assert.match(pinned, /Valid\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d/);
    await screen.idp.getByRole('button', { name: 'Copy certificate fingerprint' }).waitFor();
    // The entity id is in the details row, folded away until asked for.
    await screen.idp.getByText('Identity provider details').click();
    await screen.idp.getByText(e.AIRGAP_TEST_IDP_ENTITY_ID!, { exact: true }).waitFor();
    const ours = await screen.forIdpAdmin.innerText();
    assert.match(ours, /urn:airgap-runner:sp:/);
    assert.match(ours, /http:\/\/127\.0\.0\.1:\d+\/saml\/acs/);
    await screen.forIdpAdmin.getByRole('button', { name: 'Copy answer address' }).waitFor();
    await screen.forIdpAdmin.getByRole('button', { name: 'Copy entity id' }).waitFor();
    assert.equal(await screen.idpOptions.getByLabel('Multi-factor authentication').inputValue(), 'refeds');
    assert.equal(config().saml()?.requiredAuthnContext, 'https://refeds.org/profile/mfa');
    await shootSizes(page, 'sign-in-02-idp-pinned');

    // A bad clock skew: told what is wrong, the typed value kept, nothing saved.
    const options = screen.idpOptions;
    await options.getByLabel('Clock difference allowed (seconds)').fill('ten');
    await options.getByLabel('Name on the sign-in screen').fill('Site Keycloak');
    await options.getByRole('button', { name: 'Save options' }).click();
    await options.getByText('A whole number of seconds from 0 to 300.').waitFor();
    assert.equal(await options.getByLabel('Clock difference allowed (seconds)').inputValue(), 'ten');
    assert.equal(config().saml()?.clockSkewSeconds, 60);
    assert.equal(config().saml()?.displayName, 'the identity provider');
    await options.getByLabel('Clock difference allowed (seconds)').fill('120');
    await options.getByRole('button', { name: 'Save options' }).click();
    await screen.status.filter({ hasText: 'Identity provider options saved.' }).waitFor();
    assert.equal(config().saml()?.clockSkewSeconds, 120);
    assert.equal(config().saml()?.displayName, 'Site Keycloak');
  });

  it('the directory is set with the site CA from a picked file; a wrong address is refused and kept', async () => {
    const page = admin.page;
    const screen = new SignInSettingsPage(page);
    await screen.fillDirectory({
      address: 'http://dc1.example.org',
      pattern: `uid={user},${e.AIRGAP_TEST_LDAP_USERS_DN}`,
      groupsAt: e.AIRGAP_TEST_LDAP_GROUPS_DN!,
    });
    const form = screen.directoryForm;
    await form.getByRole('button', { name: 'Save directory settings' }).click();
    await form.getByText(/Type the address as ldaps:\/\/HOST:PORT/).waitFor();
    await form.getByText(/Choose the site CA certificate/).waitFor();
    assert.equal(await form.getByLabel('Directory address').inputValue(), 'http://dc1.example.org');
    assert.equal(config().ldap(), null, 'nothing saved');
    await screen.fillDirectory({ address: e.AIRGAP_TEST_LDAP_URL! });
    harness.dialogs.open.push(e.AIRGAP_TEST_LDAP_CA!);
    await form.getByRole('button', { name: 'Choose CA file…' }).click();
    await form.getByText(e.AIRGAP_TEST_LDAP_CA!).waitFor();
    await form.getByRole('button', { name: 'Save directory settings' }).click();
    await screen.status.filter({ hasText: 'Directory settings saved.' }).waitFor();
    const ldap = config().ldap()!;
    assert.equal(ldap.url, e.AIRGAP_TEST_LDAP_URL);
    assert.equal(ldap.caPem, readFileSync(e.AIRGAP_TEST_LDAP_CA!, 'utf8'));
    assert.equal(ldap.groupBase, e.AIRGAP_TEST_LDAP_GROUPS_DN);
    await screen.directory.getByText(/Pinned: .*fingerprint/).waitFor();
    await shootSizes(page, 'sign-in-03-directory');
  });

  it('groups are mapped to roles and removed, each after a confirm step, and audited', async () => {
    const page = admin.page;
    const screen = new SignInSettingsPage(page);
    let dialog = await screen.openAddGroup('Directory', 'airgap-operators', 'Operator');
    assert.match(await dialog.innerText(), /waits for an admin to grant it in Users and roles/);
    await dialog.getByRole('button', { name: 'Add group', exact: true }).click();
    await screen.status.filter({ hasText: 'airgap-operators now gives Operator.' }).waitFor();
    dialog = await screen.openAddGroup('Identity provider', 'site-operators', 'Operator');
    await dialog.getByRole('button', { name: 'Add group', exact: true }).click();
    await screen.rowIn(screen.mappings, 'site-operators').waitFor();
    dialog = await screen.openRemoveGroup('site-operators', 'Operator');
    assert.match(await dialog.innerText(), /lose it, and the keys it gave them are changed/);
    await dialog.getByRole('button', { name: 'Remove group', exact: true }).click();
    await screen.status.filter({ hasText: 'site-operators no longer gives Operator.' }).waitFor();
    await screen.rowIn(screen.mappings, 'site-operators').waitFor({ state: 'detached' });
    assert.deepEqual(
      config()
        .mappings()
        .map((m) => `${m.source}:${m.group}:${m.role}`),
      ['ldap:airgap-operators:operator'],
    );
    const audit = harness.core.store.db
      .prepare("SELECT action FROM audit_events WHERE action LIKE 'identity.mapping.%' ORDER BY seq")
      .all() as { action: string }[];
    assert.deepEqual(
      audit.map((a) => a.action),
      ['identity.mapping.add', 'identity.mapping.add', 'identity.mapping.remove'],
    );
    await shootSizes(page, 'sign-in-04-groups');
  });

  it('switching to the directory says what changes and the break-glass path; then role changes from sign-ins show in Users and are settled there', async () => {
    const page = admin.page;
    const screen = new SignInSettingsPage(page);
    // Two people, made while sign-in is still local: bob holds viewer (the directory puts him in
    // operators only), carol holds operator and viewer (she is in no mapped group).
    const adminSession = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    await addUser(harness.core, adminSession, 'bob', ['viewer'], 'bob-local-pass-1');
    await addUser(harness.core, adminSession, 'carol', ['operator', 'viewer'], 'carol-local-pass-1');

    const dialog = await screen.chooseMethod('Password, then the directory');
    const said = await dialog.innerText();
    assert.match(said, /admins included, signs in with their password and then with the directory/);
    assert.match(said, /a role no longer given by a group is taken away at the next sign-in/);
    assert.match(said, /If the directory cannot be reached, nobody can sign in/);
    assert.match(said, /recovery key/);
    await shootSizes(page, 'sign-in-05-confirm-directory');
    await dialog.getByRole('button', { name: 'Change sign-in method', exact: true }).click();
    await screen.status.filter({ hasText: 'Sign-in method changed to: Password, then the directory.' }).waitFor();
    await screen.method.getByText('Now: Password, then the directory').waitFor();
    assert.equal(config().mode(), 'ldap');
    noJargon(await page.locator('main').innerText());

    // Through the real directory: bob is newly given operator, carol lost both roles (vault key rotated).
    const generation = harness.core.store.generation;
    for (const [name, local, directory] of [
      ['bob', 'bob-local-pass-1', 'bob-pass-1'],
      ['carol', 'carol-local-pass-1', 'carol-pass-1'],
    ] as const) {
      const step = await dispatch(harness.core, null, 'auth.begin', { name, password: local });
      assert.ok('attemptId' in step);
      await assert.rejects(dispatch(harness.core, null, 'auth.ldap.complete', { attemptId: step.attemptId, password: directory }), {
        code: 'UNAUTHENTICATED',
      });
    }
    assert.ok(harness.core.store.generation > generation, 'carol’s sign-in changed the vault key she lost');

    await new ShellPage(page).open('Users and roles');
    const users = new UsersPage(page);
    await shown(users.roleChanges);
    // Bob: operator newly given; viewer, which no mapped group gives, lost.
    assert.equal(await users.rowIn(users.roleChanges, 'bob').count(), 2);
    const bob = await users.rowIn(users.roleChanges, 'bob').filter({ hasText: 'Operator' }).innerText();
    assert.match(bob, /Operator\s+New\s+Given by a group; waits for you to grant it\s+Directory/);
    assert.equal(await users.rowIn(users.roleChanges, 'carol').count(), 2);
    assert.match(await users.roleChanges.innerText(), /Lost\s+No longer given by a group; taken away at sign-in/);
    noJargon(await page.locator('main').innerText());
    await shootSizes(page, 'sign-in-06-users-role-changes');

    await users.settleRoleChange('Grant Operator to bob', 'Grant role');
    await users.status.filter({ hasText: 'Operator granted to bob, with its keys.' }).waitFor();
    assert.deepEqual(harness.core.users.byName('bob')!.roles, ['operator', 'viewer']);
    await users.settleRoleChange('Confirm carol lost Operator', 'Confirm');
    await users.status.filter({ hasText: "Operator taken off carol's roles." }).waitFor();
    assert.deepEqual(harness.core.users.byName('carol')!.roles, ['viewer']);
    // The notice comes first; the list reloads after it.
    await users.rowIn(users.roleChanges, 'carol').filter({ hasText: 'Operator' }).waitFor({ state: 'detached' });
    assert.equal(await users.rowIn(users.roleChanges, 'carol').count(), 1, 'her lost viewer role still waits');
    await users.rowIn(users.roleChanges, 'bob').filter({ hasText: 'Operator' }).waitFor({ state: 'detached' });
    assert.equal(await users.rowIn(users.roleChanges, 'bob').count(), 1, 'his lost viewer role still waits');
    assert.deepEqual(admin.errors, []);
  });
});
