/** Issue 13 §4: failed sign-ins are throttled per attempted name; a success for one name does not clear another's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { ADMIN_PASSWORD, addUser, initialisedCore, rejects } from '../../helpers/core';

test("one user's successful sign-in does not clear the failed-sign-in throttle of another name", async () => {
  const env = await initialisedCore();
  await addUser(env.core, env.admin, 'alice', ['viewer']);
  const wrong = (name: string) => dispatch(env.core, null, 'auth.signIn', { name, password: 'not-the-password-1' });
  // Three failures cost nothing extra; from then on each attempt waits (the clock here stands still).
  for (let i = 0; i < 3; i++) assert.doesNotMatch(await rejects(wrong('alice'), 'UNAUTHENTICATED'), /Too many/);
  assert.match(await rejects(wrong('alice'), 'UNAUTHENTICATED'), /Too many failed sign-ins/);
  await rejects(wrong('admin'), 'UNAUTHENTICATED');

  await dispatch(env.core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD });
  assert.match(await rejects(wrong('alice'), 'UNAUTHENTICATED'), /Too many failed sign-ins/, "alice's count survives admin's success");
  // Admin's own failure no longer counts: three more wrong attempts are not throttled yet.
  for (let i = 0; i < 3; i++) assert.doesNotMatch(await rejects(wrong('admin'), 'UNAUTHENTICATED'), /Too many/);
  // The failures are in the chain once each, not again after the file was rewritten.
  const events = env.core.store.db
    .prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'auth.signIn' AND outcome = 'failure' AND target = 'user:alice'")
    .get() as { n: number };
  assert.equal(events.n, 3);
  await env.cleanup();
});
