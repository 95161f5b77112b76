import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dispatch } from '../../../src/api/dispatcher';
import { layoutOf } from '../../../src/store/files';
import { throttleWaitMs } from '../../../src/identity/pending';
import { ADMIN_PASSWORD, initialisedCore, newCore, rejects } from '../../helpers/core';

test('failed sign-ins while locked go to the pending file (no name in clear) and into the chain at the next unlock', async () => {
  const env = await initialisedCore();
  await env.core.close();
  const { core, clock } = newCore(env.home);
  await rejects(dispatch(core, null, 'auth.signIn', { name: 'admin', password: 'wrong-password-1' }), 'UNAUTHENTICATED');
  await rejects(dispatch(core, null, 'auth.signIn', { name: 'mallory', password: 'wrong-password-2' }), 'UNAUTHENTICATED');
  const pending = readFileSync(layoutOf(env.home).pendingEvents, 'utf8');
  assert.equal(pending.trim().split('\n').length, 2);
  assert.ok(!pending.includes('mallory') && !pending.includes('admin'));
  clock.advance(1000);
  const s = (await dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD })).sessionId;
  const events = (await dispatch(core, s, 'audit.list', { action: 'auth.signIn' })).events;
  const failed = events.filter((e) => e.actor === 'unauthenticated' && e.outcome === 'failure').map((e) => e.target);
  assert.deepEqual(failed.sort(), ['user:admin', 'user:mallory']);
  // Taken in once: a second sign-in does not duplicate them.
  const s2 = (await dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD })).sessionId;
  const again = (await dispatch(core, s2, 'audit.list', { action: 'auth.signIn' })).events.filter((e) => e.actor === 'unauthenticated');
  assert.equal(again.length, 2);
  const check = await dispatch(core, s2, 'audit.check', {});
  assert.ok(check.ok);
  await core.close();
});

test('throttling grows with repeated failures and holds across separate processes (cores)', async () => {
  assert.equal(throttleWaitMs([1, 2], 10), 0);
  assert.equal(throttleWaitMs([0, 0, 0], 0), 1000);
  assert.equal(throttleWaitMs([0, 0, 0, 0, 0], 0), 4000);
  assert.equal(throttleWaitMs(new Array(30).fill(0), 0), 5 * 60 * 1000);

  const env = await initialisedCore();
  await env.core.close();
  for (let i = 0; i < 3; i++) {
    const { core } = newCore(env.home); // a new core each time, as separate CLI processes
    await rejects(dispatch(core, null, 'auth.signIn', { name: 'admin', password: `wrong-password-${i}` }), 'UNAUTHENTICATED');
    await core.close();
  }
  const { core, clock } = newCore(env.home);
  // Even the right password is refused while the delay runs, without trying it.
  const message = await rejects(dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD }), 'UNAUTHENTICATED');
  assert.match(message, /Too many failed sign-ins/);
  clock.advance(1500);
  await dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD });
  await core.close();
});
