/** Issue 13 §4: refused reads leave an audit event too (one per session and operation), refused changes one each. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { addUser, initialisedCore, rejects } from '../../helpers/core';

test('refused reads (store.backup, audit.list, vault.list) are recorded once per session and operation', async () => {
  const env = await initialisedCore();
  const vic = await addUser(env.core, env.admin, 'vic', ['viewer']);
  const count = (action: string) =>
    (
      env.core.store.db
        .prepare("SELECT count(*) AS n FROM audit_events WHERE action = ? AND outcome = 'denied' AND actor = 'user:vic'")
        .get(action) as { n: number }
    ).n;
  for (let i = 0; i < 2; i++) {
    await rejects(dispatch(env.core, vic.session, 'audit.list', {}), 'FORBIDDEN');
    await rejects(dispatch(env.core, vic.session, 'vault.list', {}), 'FORBIDDEN');
    await rejects(dispatch(env.core, vic.session, 'store.backup', { outPath: '/tmp/never-written.agrbackup' }), 'FORBIDDEN');
  }
  assert.equal(count('audit.list'), 1);
  assert.equal(count('vault.list'), 1);
  assert.equal(count('store.backup'), 1);
  // A refused change is recorded every time.
  for (let i = 0; i < 2; i++) await rejects(dispatch(env.core, vic.session, 'settings.set', { key: 'site.name', value: 'x' }), 'FORBIDDEN');
  assert.equal(count('settings.set'), 2);
  await env.cleanup();
});
