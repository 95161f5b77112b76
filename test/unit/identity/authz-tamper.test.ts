/**
 * Issue 13 §1's must-show: a viewer who holds only the data key (their own password on a copy of
 * keyslots.json and store.db) rewrites authorization state with raw SQL, and the unmodified product
 * refuses it with VERIFY_FAILED naming what was altered, records the refusal, and uses nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { RESEAL_HOOKS } from '../../../src/api/rotation-hooks';
import { adminSigner, writeSeal } from '../../../src/store';
import { randomKey } from '../../../src/store/crypto';
import { newAdminChain } from '../../../src/store/keyslots';
import { ADMIN_PASSWORD, addUser, initialisedCore, newCore, rejects, signIn } from '../../helpers/core';
import { attackerWith, auditEvents } from '../../helpers/tamper';

/** A store with an admin, an operator and a viewer; closed, as the attacker finds it on disk. */
async function storeOnDisk() {
  const env = await initialisedCore();
  const op = await addUser(env.core, env.admin, 'olga', ['operator']);
  const viewer = await addUser(env.core, env.admin, 'vic', ['viewer']);
  await env.core.close();
  const attacker = await attackerWith(env.home, 'vic', viewer.password);
  assert.equal(attacker.ring.vault, undefined, "a viewer's slot holds no vault key");
  assert.equal(attacker.ring.admin, undefined, "a viewer's slot holds no admin key");
  return { env, op, viewer, attacker };
}

function tamperedEvents(home: string, dataKey: Buffer, action: string) {
  return auditEvents(home, dataKey, action).filter((e) => e.details.includes('VERIFY_FAILED'));
}

test('a viewer who rewrites their own roles to admin with the data key alone cannot sign in, nor can anyone else; it is recorded', async () => {
  const { env, op, viewer, attacker } = await storeOnDisk();
  attacker.sql((db) => db.prepare(`UPDATE users SET roles = '["admin","viewer"]' WHERE name = 'vic'`).run());

  const { core } = newCore(env.home);
  const message = await rejects(dispatch(core, null, 'auth.signIn', { name: 'vic', password: viewer.password }), 'VERIFY_FAILED');
  assert.match(message, /users table/);
  assert.match(message, /changed: user:\d+/);
  // Nothing was used: the operator and the admin are refused too rather than handed altered roles.
  await rejects(dispatch(core, null, 'auth.signIn', { name: 'olga', password: op.password }), 'VERIFY_FAILED');
  await rejects(dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD }), 'VERIFY_FAILED');
  assert.equal(core.sessions.all().length, 0);
  await core.close();

  const events = tamperedEvents(env.home, attacker.ring.data, 'auth.signIn');
  assert.ok(events.length >= 1, 'the refused sign-in is in the audit chain');
  assert.match(events[0]!.details, /users table/);
  await env.cleanup();
});

test('a trust root added with the data key alone is refused before it is used, and recorded', async () => {
  const { env, op, attacker } = await storeOnDisk();
  attacker.sql((db) =>
    db
      .prepare(
        "INSERT INTO trust_keys (fingerprint, algorithm, pem, comment, added_by, added_at) VALUES (?, 'ecdsa-p256', ?, 'attacker', 'user:admin', ?)",
      )
      .run('ab'.repeat(32), '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n', new Date().toISOString()),
  );
  const { core } = newCore(env.home);
  const admin = await signIn(core, 'admin', ADMIN_PASSWORD);
  const message = await rejects(dispatch(core, admin, 'trust.list', {}), 'VERIFY_FAILED');
  assert.match(message, /trust roots/);
  assert.match(message, new RegExp(`added: ${'ab'.repeat(32)}`));
  // The operator's catalog (task status is decided from the trust roots) refuses too.
  const olga = await signIn(core, 'olga', op.password);
  await rejects(dispatch(core, olga, 'tasks.list', {}), 'VERIFY_FAILED');
  await core.close();
  assert.ok(tamperedEvents(env.home, attacker.ring.data, 'trust.list').length === 1);
  await env.cleanup();
});

test('the tag policy relaxed with the data key alone is refused, and recorded', async () => {
  const { env, op, attacker } = await storeOnDisk();
  attacker.sql((db) => db.prepare("DELETE FROM tag_policy WHERE kind = 'deny' AND pattern = 'access:read-write'").run());
  const { core } = newCore(env.home);
  const olga = await signIn(core, 'olga', op.password);
  const message = await rejects(dispatch(core, olga, 'policy.show', {}), 'VERIFY_FAILED');
  assert.match(message, /tag policy/);
  assert.match(message, /removed: deny:access:read-write/);
  await core.close();
  assert.equal(tamperedEvents(env.home, attacker.ring.data, 'policy.show').length, 1);
  await env.cleanup();
});

test('a security setting switched with the data key alone is refused, and recorded', async () => {
  const { env, op, attacker } = await storeOnDisk();
  attacker.sql((db) =>
    db
      .prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('bundles.signaturesOptional', 'true', ?, 'user:admin')")
      .run(new Date().toISOString()),
  );
  const { core } = newCore(env.home);
  // Sessions follow settings (idle expiry), so the check already refuses the sign-in.
  const message = await rejects(dispatch(core, null, 'auth.signIn', { name: 'olga', password: op.password }), 'VERIFY_FAILED');
  assert.match(message, /settings table/);
  assert.match(message, /added: bundles\.signaturesOptional/);
  assert.equal(core.sessions.all().length, 0);
  await core.close();
  const events = tamperedEvents(env.home, attacker.ring.data, 'auth.signIn');
  assert.equal(events.length, 1);
  assert.match(events[0]!.details, /settings table/);
  assert.equal(
    auditEvents(env.home, attacker.ring.data, 'auth.signIn').filter((e) => e.outcome === 'success' && e.actor === 'user:olga').length,
    1,
    'only the sign-in before the tampering succeeded',
  );
  await env.cleanup();
});

test('a viewer who re-signs everything with an admin key of their own and puts it in keyslots.json still fools no one else', async () => {
  const { env, op, attacker } = await storeOnDisk();
  // The strongest offline move a viewer has: a new Ed25519 key, the seals re-signed with it, and the
  // keyslot file's admin chain replaced (its MAC recomputed under the data key).
  const forged = randomKey();
  const signer = adminSigner(forged);
  attacker.sql((db) => {
    db.prepare(`UPDATE users SET roles = '["admin"]' WHERE name = 'vic'`).run();
    const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
    db.transaction(() => {
      for (const hook of RESEAL_HOOKS) hook(db, signer);
      writeSeal(
        db,
        'store.keyChecks',
        new Map([
          ['vault_anchor', meta('vault_anchor')],
          ['audit_check', meta('audit_check')],
        ]),
        signer,
        'now',
      );
    })();
  });
  attacker.writeKeyslots(({ mac: _mac, ...file }) => ({ ...file, authority: newAdminChain(forged) }));

  const { core } = newCore(env.home);
  const message = await rejects(dispatch(core, null, 'auth.signIn', { name: 'olga', password: op.password }), 'VERIFY_FAILED');
  assert.match(message, /does not follow from the admin key your slot trusts/);
  await rejects(dispatch(core, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD }), 'VERIFY_FAILED');
  await core.close();
  await env.cleanup();
});

test('legitimate changes by an admin keep verifying across sign-ins, rotations and a restart', async () => {
  const env = await initialisedCore();
  const op = await addUser(env.core, env.admin, 'olga', ['operator']);
  await addUser(env.core, env.admin, 'vic', ['viewer']);
  await dispatch(env.core, env.admin, 'settings.set', { key: 'bundles.signaturesOptional', value: true });
  await dispatch(env.core, env.admin, 'policy.allow', { tags: ['access:read-write'] });
  // A role lost rotates every key, the admin key included; state is re-signed with the new one.
  await dispatch(env.core, env.admin, 'users.setRoles', { name: 'vic', roles: [] as string[] }).catch(() => undefined);
  await dispatch(env.core, env.admin, 'users.remove', { name: 'vic' });
  await env.core.close();
  const { core } = newCore(env.home);
  const olga = await signIn(core, 'olga', op.password);
  assert.equal((await dispatch(core, olga, 'settings.get', {})).settings['bundles.signaturesOptional'], true);
  assert.deepEqual((await dispatch(core, olga, 'policy.show', {})).policy.allow, ['access:read-write']);
  const admin = await signIn(core, 'admin', ADMIN_PASSWORD);
  assert.deepEqual(
    (await dispatch(core, admin, 'users.list', {})).users.map((u) => u.name),
    ['admin', 'olga'],
  );
  await core.close();
  await env.cleanup();
});

test('a store from before the admin key: privileged operations are refused until the first admin sign-in seals it', async () => {
  const env = await initialisedCore();
  const op = await addUser(env.core, env.admin, 'olga', ['operator']);
  await env.core.close();
  // Rewrite the store as the previous version left it: slots without a pin or an admin key, no
  // admin chain in keyslots.json, no seals in the database.
  const { createSlot, createRecoverySlot, parseRecoveryKey, openSlot, slotIdFor } = await import('../../../src/store/keyslots');
  const admin = await attackerWith(env.home, 'admin', ADMIN_PASSWORD);
  const ring = { data: admin.ring.data, vault: admin.ring.vault!, audit: admin.ring.audit! };
  const olgaSlot = admin.file.slots.find((s) => s.id === slotIdFor(admin.file, 'olga'))!;
  const olgaRing = (await openSlot(olgaSlot, op.password))!;
  const { FAST_SCRYPT } = await import('../../helpers/core');
  const slots = [
    await createSlot(slotIdFor(admin.file, 'admin'), ADMIN_PASSWORD, ring, ['data', 'vault', 'audit'], FAST_SCRYPT, null),
    await createSlot(olgaSlot.id, op.password, { data: olgaRing.data, vault: olgaRing.vault! }, ['data', 'vault'], FAST_SCRYPT, null),
  ];
  const recovery = createRecoverySlot(parseRecoveryKey(env.recoveryKey)!, ring);
  admin.writeKeyslots(({ mac: _mac, authority: _authority, ...file }) => ({ ...file, slots, recovery }));
  admin.sql((db) => db.prepare('DELETE FROM authz_seals').run());

  const { core } = newCore(env.home);
  const olga = await signIn(core, 'olga', op.password);
  await dispatch(core, olga, 'runs.list', {});
  assert.match(
    await rejects(dispatch(core, olga, 'vault.list', {}), 'FORBIDDEN'),
    /not sealed with the admin key yet.*An admin signs in once/,
  );
  const adminSession = await signIn(core, 'admin', ADMIN_PASSWORD);
  assert.equal(core.store.sealed, true);
  await dispatch(core, adminSession, 'settings.set', { key: 'site.name', value: 'sealed' });
  await dispatch(core, olga, 'vault.list', {});
  await core.close();

  // From now on the state is protected: the operator's next sign-in pinned the admin key, and an edit with the data key alone is refused.
  const again = newCore(env.home).core;
  await signIn(again, 'olga', op.password);
  await again.close();
  admin.sql((db) => db.prepare(`UPDATE users SET roles = '["admin","operator"]' WHERE name = 'olga'`).run());
  const last = newCore(env.home).core;
  await rejects(dispatch(last, null, 'auth.signIn', { name: 'olga', password: op.password }), 'VERIFY_FAILED');
  await last.close();
  await env.cleanup();
});
