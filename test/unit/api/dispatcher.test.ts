import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, dispatch } from '../../../src/api/dispatcher';
import { ERROR_CODES } from '../../../src/kernel';
import { ADMIN_PASSWORD, addUser, initialisedCore, newCore, tempDir } from '../../helpers/core';
import { join } from 'node:path';

test('unknown operations, bad input and missing sessions give closed-set codes with helpful messages', async () => {
  const env = await initialisedCore();
  const unknown = await call(env.core, env.admin, 'no.such.op' as never, {});
  assert.deepEqual(unknown.ok ? null : unknown.error.code, 'NOT_FOUND');
  const bad = await call(env.core, env.admin, 'users.add', { name: 'ok', roles: ['wizard'], password: 'long-enough-password' });
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'INVALID_INPUT');
  assert.match(bad.error.message, /roles\.0/);
  const extra = await call(env.core, env.admin, 'auth.whoami', { sneaky: true });
  assert.ok(!extra.ok && extra.error.code === 'INVALID_INPUT');
  const nosession = await call(env.core, 'not-a-session', 'auth.whoami', {});
  assert.ok(!nosession.ok && nosession.error.code === 'UNAUTHENTICATED');
  for (const r of [unknown, bad, extra, nosession]) if (!r.ok) assert.ok(ERROR_CODES.includes(r.error.code));
  await env.cleanup();
});

test('passwords shorter than 12 characters are refused', async () => {
  const { core } = newCore(join(tempDir(), 'home'));
  const r = await call(core, null, 'system.init', { adminName: 'admin', password: 'short-pw' });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'INVALID_INPUT');
  assert.match(r.error.message, /at least 12/);
  assert.equal(core.identity.isInitialised(), false);
});

test('an admin reset forces a password change before anything else; the old password stops working', async () => {
  const env = await initialisedCore();
  const u = await addUser(env.core, env.admin, 'oper', ['operator']);
  await dispatch(env.core, env.admin, 'users.resetPassword', { name: 'oper', password: 'temporary-pass-1' });
  await assert.rejects(dispatch(env.core, null, 'auth.signIn', { name: 'oper', password: u.password }), { code: 'UNAUTHENTICATED' });
  const s = (await dispatch(env.core, null, 'auth.signIn', { name: 'oper', password: 'temporary-pass-1' })).sessionId;
  const who = await dispatch(env.core, s, 'auth.whoami', {});
  assert.equal(who.user.mustChangePassword, true);
  await assert.rejects(dispatch(env.core, s, 'settings.get', {}), { code: 'FORBIDDEN', message: /change your password/ });
  await dispatch(env.core, s, 'auth.changePassword', { currentPassword: 'temporary-pass-1', newPassword: 'my-own-password-1' });
  await dispatch(env.core, s, 'settings.get', {});
  await env.cleanup();
});

test('idle sessions expire', async () => {
  const env = await initialisedCore();
  env.clock.advance(16 * 60 * 1000);
  await assert.rejects(dispatch(env.core, env.admin, 'auth.whoami', {}), { code: 'UNAUTHENTICATED', message: /idle/ });
  const again = (await dispatch(env.core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD })).sessionId;
  await dispatch(env.core, again, 'auth.whoami', {});
  await env.cleanup();
});

test('the idle expiry follows the session.idleMinutes setting', async () => {
  const env = await initialisedCore();
  await dispatch(env.core, env.admin, 'settings.set', { key: 'session.idleMinutes', value: 60 });
  env.clock.advance(30 * 60 * 1000);
  await dispatch(env.core, env.admin, 'auth.whoami', {});
  await dispatch(env.core, env.admin, 'settings.set', { key: 'session.idleMinutes', value: 2 });
  env.clock.advance(3 * 60 * 1000);
  await assert.rejects(dispatch(env.core, env.admin, 'auth.whoami', {}), { code: 'UNAUTHENTICATED' });
  await env.cleanup();
});

test('outputs are validated: the keyring never leaves in a result', async () => {
  const env = await initialisedCore();
  const who = await dispatch(env.core, env.admin, 'auth.whoami', {});
  assert.ok(!JSON.stringify(who).includes('keyring'));
  const session = env.core.sessions.all()[0]!;
  assert.ok(!JSON.stringify(session).includes(session.keyring.data.toString('base64')));
  await env.cleanup();
});
