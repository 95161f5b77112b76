/** Every state-changing call adds exactly one event, allowed or refused; dashboard reads add none. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { contract, OP_NAMES, type OpName } from '../../../src/api/contract';
import { dispatch, subscribe } from '../../../src/api/dispatcher';
import { addUser, initialisedCore, tempDir } from '../../helpers/core';
import type { Core } from '../../../src/api/core';

function count(core: Core): number {
  return (core.store.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
}

function input(name: OpName, dir: string, n: number): unknown {
  switch (name) {
    case 'users.add':
      return { name: `u${n}`, roles: ['viewer'], password: 'user-password-123' };
    case 'users.setRoles':
      return { name: 'target1', roles: ['viewer', 'auditor'] };
    case 'users.resetPassword':
      return { name: 'target1', password: 'reset-password-123' };
    case 'users.remove':
      return { name: 'target2' };
    case 'settings.set':
      return { key: 'site.name', value: `site ${n}` };
    case 'auth.changePassword':
      return { currentPassword: 'wrong-current-pw', newPassword: 'a-new-password-123' };
    case 'system.init':
      return { adminName: 'again', password: 'again-password-1' };
    case 'store.restore':
      return { file: join(dir, 'none'), name: 'admin', password: 'x' };
    case 'store.recover':
      return { recoveryKey: 'AAAAA-BBBBB', adminName: 'admin', newPassword: 'recover-password-1' };
    case 'bundles.revoke':
      return { digest: `sha256:${String(n % 10).repeat(64)}`, reason: 'audit test' };
    case 'policy.allow':
    case 'policy.deny':
      return { tags: [`data:t${n}`] };
    case 'trust.addKey':
      return { pem: 'not a key' };
    case 'bundles.import':
      return { source: `oci:${join(dir, 'no-mirror')}`, ref: 'samples/none:1.0.0' };
    case 'runs.cancel':
      return { id: 'r-aaaaaaaaaa' };
    default:
      return {};
  }
}

test('each mutating operation adds exactly one event with its outcome, allowed, refused or failed', async () => {
  const env = await initialisedCore();
  const dir = tempDir();
  await addUser(env.core, env.admin, 'target1', ['viewer']);
  await addUser(env.core, env.admin, 'target2', ['viewer']);
  const viewer = await addUser(env.core, env.admin, 'watcher', ['viewer']);
  const viewerSession = (await dispatch(env.core, null, 'auth.signIn', { name: 'watcher', password: viewer.password })).sessionId;
  let n = 0;
  const mutating = OP_NAMES.filter((name) => contract[name].mutates);
  assert.ok(mutating.length >= 8);
  for (const name of mutating) {
    for (const [who, session] of [
      ['admin', env.admin],
      ['viewer', viewerSession],
    ] as const) {
      const before = count(env.core);
      let outcome = 'success';
      try {
        await dispatch(env.core, session, name, input(name, dir, n++));
      } catch (error) {
        outcome = (error as { code: string }).code === 'FORBIDDEN' ? 'denied' : 'failure';
      }
      assert.equal(count(env.core) - before, 1, `${name} as ${who} (${outcome}) should add exactly one event`);
      const last = env.core.store.db.prepare('SELECT action, outcome FROM audit_events ORDER BY seq DESC LIMIT 1').get() as {
        action: string;
        outcome: string;
      };
      assert.deepEqual(last, { action: name, outcome }, `${name} as ${who}`);
    }
  }
  // Invalid input to a mutating call is refused and recorded once too.
  const before = count(env.core);
  await assert.rejects(dispatch(env.core, env.admin, 'users.add', { name: '../bad', roles: ['viewer'], password: 'short' }), {
    code: 'INVALID_INPUT',
  });
  assert.equal(count(env.core) - before, 1);
  await env.cleanup();
});

test('dashboard-style reads add no event; audited reads add theirs (audit browsing once per session)', async () => {
  const env = await initialisedCore();
  const reads: OpName[] = ['system.status', 'auth.whoami', 'settings.get', 'store.check', 'users.list', 'audit.head', 'audit.check'];
  for (const name of reads) {
    const before = count(env.core);
    await dispatch(env.core, env.admin, name, {});
    assert.equal(count(env.core), before, `${name} must not add an event`);
  }
  const before = count(env.core);
  await dispatch(env.core, env.admin, 'audit.list', {});
  await dispatch(env.core, env.admin, 'audit.list', { limit: 5 });
  assert.equal(count(env.core) - before, 1, 'audit browsing is recorded once per session');
  const b2 = count(env.core);
  await dispatch(env.core, env.admin, 'store.backup', { outPath: join(tempDir(), 'b.bin') });
  assert.equal(count(env.core) - b2, 1, 'a backup is recorded');
  await env.cleanup();
});

test('events cannot be changed through the API; only audit.prune removes any (after a confirmed export)', () => {
  const mutatingAudit = OP_NAMES.filter((name) => name.startsWith('audit.') && contract[name].mutates).sort();
  // export and confirm add rows of their own; identityReplace swaps the signing key; none edits an event.
  assert.deepEqual(mutatingAudit, ['audit.confirm', 'audit.export', 'audit.identityReplace', 'audit.prune']);
});

test('subscriptions: an auditor hears appended events; a viewer may not subscribe', async () => {
  const env = await initialisedCore();
  const auditor = await addUser(env.core, env.admin, 'aud', ['auditor']);
  const viewer = await addUser(env.core, env.admin, 'vie', ['viewer']);
  const audSession = (await dispatch(env.core, null, 'auth.signIn', { name: 'aud', password: auditor.password })).sessionId;
  const vieSession = (await dispatch(env.core, null, 'auth.signIn', { name: 'vie', password: viewer.password })).sessionId;
  const heard: string[] = [];
  const stop = subscribe(env.core, audSession, 'audit.events', {}, (e) => heard.push(`${e.action}:${e.outcome}`));
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'Hall C' });
  await new Promise((r) => setImmediate(r));
  assert.ok(heard.includes('settings.set:success'), heard.join(','));
  stop();
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'Hall D' });
  await new Promise((r) => setImmediate(r));
  assert.equal(heard.filter((h) => h === 'settings.set:success').length, 1);
  assert.throws(() => subscribe(env.core, vieSession, 'audit.events', {}, () => {}), { code: 'FORBIDDEN' });
  assert.throws(() => subscribe(env.core, null, 'audit.events', {}, () => {}), { code: 'UNAUTHENTICATED' });
  await env.cleanup();
});
