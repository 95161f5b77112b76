import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch } from '../../../src/api/dispatcher';
import { Store } from '../../../src/store/store';
import { layoutOf } from '../../../src/store/files';
import { ADMIN_PASSWORD, FAST_SCRYPT, addUser, initialisedCore, newCore, rejects } from '../../helpers/core';

test('after a user is removed, their old password and an old copy of the keyslot file open nothing', async () => {
  const env = await initialisedCore();
  const bob = await addUser(env.core, env.admin, 'bob', ['operator']);
  const layout = layoutOf(env.home);
  const oldCopy = join(env.home, '..', 'keyslots-with-bob.json');
  copyFileSync(layout.keyslots, oldCopy);
  await dispatch(env.core, env.admin, 'users.remove', { name: 'bob' });
  // The admin's live session still works with the rotated keys.
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'after rotation' });
  await env.core.close();

  const { core } = newCore(env.home);
  await rejects(dispatch(core, null, 'auth.signIn', { name: 'bob', password: bob.password }), 'UNAUTHENTICATED');
  await core.close();
  copyFileSync(oldCopy, layout.keyslots);
  const message = await rejects(Store.unlock(env.home, 'bob', bob.password, { scryptCost: FAST_SCRYPT }), 'VERIFY_FAILED');
  assert.match(message, /does not open with the key/);
  // And the admin cannot be tricked by the old file either: it is refused, not used.
  await rejects(Store.unlock(env.home, 'admin', ADMIN_PASSWORD, { scryptCost: FAST_SCRYPT }), 'VERIFY_FAILED');
});

test('losing a role rotates keys; gaining one grants keys without a rotation', async () => {
  const env = await initialisedCore();
  const carol = await addUser(env.core, env.admin, 'carol', ['viewer']);
  const generation = () => env.core.store.generation;
  const g0 = generation();
  const dataKey0 = Buffer.from(env.core.sessions.all()[0]!.keyring.data);
  await dispatch(env.core, env.admin, 'users.setRoles', { name: 'carol', roles: ['viewer', 'operator'] });
  // A second handle on the open store (WAL allows it) reads carol's slot as it is now.
  const afterGrant = await Store.unlock(env.home, 'carol', carol.password, { scryptCost: FAST_SCRYPT });
  assert.ok(afterGrant.keyring.vault, 'operator role grants the vault key');
  assert.equal(afterGrant.keyring.audit, undefined);
  afterGrant.store.close();
  assert.ok(generation() > g0);
  await dispatch(env.core, env.admin, 'users.setRoles', { name: 'carol', roles: ['viewer'] });
  const admin = env.core.sessions.all().find((s) => s.name === 'admin')!;
  assert.ok(!admin.keyring.data.equals(dataKey0), 'role loss rotated the data key');
  await env.core.close();
  const reopened = await Store.unlock(env.home, 'carol', carol.password, { scryptCost: FAST_SCRYPT });
  assert.equal(reopened.keyring.vault, undefined, 'after losing the operator role the slot holds no vault key');
  reopened.store.close();
});

test('the last admin cannot be removed or demoted; nobody removes themselves', async () => {
  const env = await initialisedCore();
  await rejects(dispatch(env.core, env.admin, 'users.remove', { name: 'admin' }), 'CONFLICT');
  await rejects(dispatch(env.core, env.admin, 'users.setRoles', { name: 'admin', roles: ['viewer'] }), 'CONFLICT');
  await rejects(dispatch(env.core, env.admin, 'users.add', { name: 'ADMIN', roles: ['viewer'], password: 'some-password-12' }), 'CONFLICT');
  await env.cleanup();
});

test('no file in the home folder holds stored data in plaintext (database, WAL, keyslots, pending events)', async () => {
  const env = await initialisedCore();
  const MARKER = 'PLAINTEXT-MARKER-7f3a2c91';
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: MARKER });
  await addUser(env.core, env.admin, 'markeduser', ['viewer']);
  // A failed sign-in while open, and one while locked (pending file).
  await assert.rejects(dispatch(env.core, null, 'auth.signIn', { name: 'markeduser', password: 'wrong-password-1' }));
  const files = () => readdirSync(env.home).map((n) => join(env.home, n));
  const check = (when: string) => {
    assert.ok(files().some((f) => f.endsWith('-wal')) || when === 'closed', `${when}: expected a WAL file while open`);
    for (const f of files()) {
      const bytes = readFileSync(f);
      for (const needle of [MARKER, 'markeduser', 'SQLite format 3', 'admin']) {
        assert.ok(!bytes.includes(Buffer.from(needle)), `${when}: ${f} contains "${needle}" in plaintext`);
      }
    }
  };
  check('open');
  await env.core.close();
  const { core } = newCore(env.home);
  await assert.rejects(dispatch(core, null, 'auth.signIn', { name: 'markeduser', password: 'wrong-password-2' }));
  check('closed');
  const s = (await dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD })).sessionId;
  const settings = await dispatch(core, s, 'settings.get', {});
  assert.equal(settings.settings['site.name'], MARKER);
  await core.close();
});
