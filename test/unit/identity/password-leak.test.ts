/**
 * Issue 13 §2: a leaked password. An old copy of keyslots.json (a backup, a disk image) taken before
 * an admin reset, opened with the old password outside the app, must decrypt neither the current
 * database nor the current vault items; a user's own change rotates the vault key at least.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch } from '../../../src/api/dispatcher';
import { openDatabase } from '../../../src/store/database';
import { openSlot, parseKeyslotFile, slotIdFor } from '../../../src/store/keyslots';
import { openItem } from '../../../src/vault';
import { ADMIN_PASSWORD, addUser, initialisedCore, rejects, signIn } from '../../helpers/core';

async function keysFromCopy(copy: string, name: string, password: string) {
  const file = parseKeyslotFile(copy)!;
  const ring = await openSlot(
    file.slots.find((s) => s.id === slotIdFor(file, name))!,
    password,
  );
  assert.ok(ring, 'the old copy still opens with the old password (that is the leak)');
  return ring;
}

function opensDatabase(home: string, dataKey: Buffer): boolean {
  try {
    openDatabase(join(home, 'store.db'), dataKey, { readonly: true }).close();
    return true;
  } catch {
    return false;
  }
}

test('after an admin reset, a keyslot copy from before it and the old password open neither the database nor the vault', async () => {
  const env = await initialisedCore();
  const op = await addUser(env.core, env.admin, 'olga', ['operator']);
  await dispatch(env.core, op.session, 'vault.add', { name: 'kubeconfig', value: Buffer.from('apiVersion: v1 secret').toString('base64') });
  const before = readFileSync(join(env.home, 'keyslots.json'), 'utf8');
  const old = await keysFromCopy(before, 'olga', op.password);
  assert.ok(opensDatabase(env.home, old.data), 'before the reset the copy opens the database');

  await dispatch(env.core, env.admin, 'users.resetPassword', { name: 'olga', password: 'a-brand-new-password-1' });

  assert.equal(opensDatabase(env.home, old.data), false, 'the database was rekeyed');
  const sealed = (env.core.store.db.prepare("SELECT sealed FROM vault_items WHERE name = 'kubeconfig'").get() as { sealed: string }).sealed;
  assert.equal(openItem(old.vault!, 'kubeconfig', sealed), null, 'the vault key was rotated');
  // The user signs in with the new password (and must change it); the item opens with the new keys.
  const olga = await signIn(env.core, 'olga', 'a-brand-new-password-1');
  await rejects(dispatch(env.core, olga, 'vault.list', {}), 'FORBIDDEN');
  const admin = env.core.sessions.all().find((s) => s.id === env.admin)!;
  assert.equal(openItem(admin.keyring.vault!, 'kubeconfig', sealed)?.toString(), 'apiVersion: v1 secret');
  await env.cleanup();
});

test("a user's own password change rotates the vault key; --rotate-all (admins) rotates the data key too", async () => {
  const env = await initialisedCore();
  const op = await addUser(env.core, env.admin, 'olga', ['operator']);
  await dispatch(env.core, op.session, 'vault.add', { name: 'token', value: Buffer.from('t0ken').toString('base64') });
  const before = readFileSync(join(env.home, 'keyslots.json'), 'utf8');
  const old = await keysFromCopy(before, 'olga', op.password);

  await dispatch(env.core, op.session, 'auth.changePassword', { currentPassword: op.password, newPassword: 'olgas-next-password-2' });
  const sealed = () =>
    (env.core.store.db.prepare("SELECT sealed FROM vault_items WHERE name = 'token'").get() as { sealed: string }).sealed;
  assert.equal(openItem(old.vault!, 'token', sealed()), null, 'the old vault key opens no current item');
  // Every session holding the vault key follows: the admin's still opens it, and the operator keeps working.
  const admin = env.core.sessions.all().find((s) => s.id === env.admin)!;
  assert.equal(openItem(admin.keyring.vault!, 'token', sealed())?.toString(), 't0ken');
  await dispatch(env.core, op.session, 'vault.add', { name: 'token', value: Buffer.from('t0ken-2').toString('base64'), replace: true });
  assert.ok(opensDatabase(env.home, old.data), 'without --rotate-all the data key stays (docs/store.md says so)');
  // A non-admin cannot rotate every key.
  await rejects(
    dispatch(env.core, op.session, 'auth.changePassword', {
      currentPassword: 'olgas-next-password-2',
      newPassword: 'olgas-third-password-3',
      rotateAll: true,
    }),
    'FORBIDDEN',
  );

  const adminBefore = await keysFromCopy(readFileSync(join(env.home, 'keyslots.json'), 'utf8'), 'admin', ADMIN_PASSWORD);
  await dispatch(env.core, env.admin, 'auth.changePassword', {
    currentPassword: ADMIN_PASSWORD,
    newPassword: 'admins-new-password-9',
    rotateAll: true,
  });
  assert.equal(opensDatabase(env.home, adminBefore.data), false, '--rotate-all rekeys the database');
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'still signed' });
  await env.core.close();
  const { newCore } = await import('../../helpers/core');
  const { core } = newCore(env.home);
  await signIn(core, 'olga', 'olgas-next-password-2');
  await signIn(core, 'admin', 'admins-new-password-9');
  await core.close();
  await env.cleanup();
});
