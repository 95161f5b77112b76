/** `audit check` catches events edited, deleted or swapped directly in the database file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { Store } from '../../../src/store/store';
import { ADMIN_PASSWORD, FAST_SCRYPT, initialisedCore, newCore } from '../../helpers/core';

async function storeWithEvents() {
  const env = await initialisedCore();
  for (let i = 0; i < 5; i++) await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: `site ${i}` });
  await env.core.close();
  return env.home;
}

async function tamper(home: string, sql: string) {
  // Open the database with the key, as an attacker holding a password could.
  const { store } = await Store.unlock(home, 'admin', ADMIN_PASSWORD, { scryptCost: FAST_SCRYPT });
  store.db.exec(sql);
  store.close();
}

async function check(home: string) {
  const { core } = newCore(home);
  const s = (await dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD })).sessionId;
  const result = await dispatch(core, s, 'audit.check', {});
  await core.close();
  return result;
}

test('an untouched chain checks out', async () => {
  const home = await storeWithEvents();
  const r = await check(home);
  assert.equal(r.ok, true);
  assert.ok(r.count > 8);
});

test('an edited event is named', async () => {
  const home = await storeWithEvents();
  await tamper(home, `UPDATE audit_events SET details = '{"value":"forged"}' WHERE seq = 5`);
  const r = await check(home);
  assert.equal(r.ok, false);
  assert.equal(r.firstBadSeq, 5);
  assert.match(r.problem!, /details were altered/);
});

test('an edited header field is named', async () => {
  const home = await storeWithEvents();
  await tamper(home, `UPDATE audit_events SET actor = 'user:someone-else' WHERE seq = 6`);
  const r = await check(home);
  assert.equal(r.firstBadSeq, 6);
});

test('a deleted event is named', async () => {
  const home = await storeWithEvents();
  await tamper(home, `DELETE FROM audit_events WHERE seq = 4`);
  const r = await check(home);
  assert.equal(r.ok, false);
  assert.equal(r.firstBadSeq, 5);
  assert.match(r.problem!, /expected/);
});

test('two swapped events are named', async () => {
  const home = await storeWithEvents();
  await tamper(
    home,
    `UPDATE audit_events SET seq = -1 WHERE seq = 4; UPDATE audit_events SET seq = 4 WHERE seq = 5; UPDATE audit_events SET seq = 5 WHERE seq = -1;`,
  );
  const r = await check(home);
  assert.equal(r.ok, false);
  assert.equal(r.firstBadSeq, 4);
});

test('a wall clock going backwards is itself an event, and the chain stays valid', async () => {
  const env = await initialisedCore();
  env.clock.set('2026-11-20T08:00:00Z');
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'x' });
  const events = (await dispatch(env.core, env.admin, 'audit.list', { limit: 3 })).events;
  const actions = events.map((e) => e.action);
  assert.ok(actions.includes('audit.clockBackwards'), actions.join(','));
  const mono = events.map((e) => e.mono);
  assert.ok(mono[0]! > mono[1]! && mono[1]! > mono[2]!, 'mono never goes backwards');
  assert.ok((await dispatch(env.core, env.admin, 'audit.check', {})).ok);
  await env.cleanup();
});
