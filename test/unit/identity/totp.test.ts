/**
 * Issue 14 §5, offline TOTP, through the dispatcher on a real store: a code is accepted once within
 * its window, codes outside the window and reused ones are refused, a recovery code works once, bad
 * codes are throttled like passwords and recorded, the secret is never stored in the clear, the
 * per-role requirement is sealed with the admin key, and a user whose role requires TOTP enrols at
 * the next sign-in before doing anything else. Codes here come from otpauth; the integration test
 * (test/integration/identity/totp-oathtool.test.ts) uses the real oathtool binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { isTotpChallenge } from '../../../src/api/contract';
import { ADMIN_PASSWORD, addUser, initialisedCore, newCore, rejects } from '../../helpers/core';
import { attackerWith, auditEvents } from '../../helpers/tamper';
import { codeAt, enrolTotp } from '../../helpers/totp';

const STEP = 30_000;

function events(core: { store: { db: { prepare(sql: string): { all(...a: unknown[]): unknown[] } } } }, action: string) {
  return core.store.db
    .prepare('SELECT actor, target, outcome, details FROM audit_events WHERE action = ? ORDER BY seq')
    .all(action) as Array<{
    actor: string;
    target: string;
    outcome: string;
    details: string;
  }>;
}

test('an enrolled user signs in with a code once per step; a reused code, one outside the window and none at all are refused', async () => {
  const env = await initialisedCore();
  const { password } = await addUser(env.core, env.admin, 'alice', ['operator']);
  const alice = await dispatch(env.core, null, 'auth.signIn', { name: 'alice', password });
  const { secret, uri } = await enrolTotp(env.core, alice.sessionId);
  assert.match(uri, /^otpauth:\/\/totp\/Airgap%20Runner:alice\?/);
  assert.match(uri, new RegExp(`secret=${secret}`));

  const signIn = (totpCode?: string) =>
    dispatch(env.core, null, 'auth.signIn', { name: 'alice', password, ...(totpCode ? { totpCode } : {}) });
  // The password alone is not enough now, and says so in a way clients recognise.
  const challenge = await rejects(signIn(), 'UNAUTHENTICATED');
  assert.ok(isTotpChallenge({ code: 'UNAUTHENTICATED', message: challenge }));

  // The confirming code's step is spent: the same code again is refused.
  await rejects(signIn(codeAt(secret, env.clock.now())), 'UNAUTHENTICATED');
  env.clock.advance(STEP);
  const now = codeAt(secret, env.clock.now());
  const ok = await signIn(now);
  assert.equal(ok.user.name, 'alice');
  assert.match(await rejects(signIn(now), 'UNAUTHENTICATED'), /already used/);
  // One step of drift either side is allowed; two steps away is outside the window.
  env.clock.advance(STEP);
  assert.match(await rejects(signIn(codeAt(secret, new Date(env.clock.now().getTime() - 2 * STEP))), 'UNAUTHENTICATED'), /not accepted/);
  assert.match(await rejects(signIn(codeAt(secret, new Date(env.clock.now().getTime() + 2 * STEP))), 'UNAUTHENTICATED'), /not accepted/);
  // Three failures in a row: the next attempt waits a second, as after wrong passwords.
  env.clock.advance(2_000);
  await signIn(codeAt(secret, new Date(env.clock.now().getTime() + STEP)));
  // An earlier step, still inside the window, is refused once a later one was taken.
  await rejects(signIn(codeAt(secret, env.clock.now())), 'UNAUTHENTICATED');

  const fails = events(env.core, 'auth.signIn').filter((e) => e.outcome === 'failure' && e.target === 'user:alice');
  assert.deepEqual(
    fails.map((e) => (JSON.parse(e.details) as { reason: string }).reason),
    ['totp-reused', 'totp-reused', 'totp-bad-code', 'totp-bad-code', 'totp-reused'],
  );
  assert.equal(events(env.core, 'auth.totp.enrolConfirm').length, 1);
  await env.cleanup();
});

test('a recovery code works once, is recorded, and the count of codes left goes down', async () => {
  const env = await initialisedCore();
  const { password } = await addUser(env.core, env.admin, 'bob', ['viewer']);
  const bob = await dispatch(env.core, null, 'auth.signIn', { name: 'bob', password });
  const { recoveryCodes } = await enrolTotp(env.core, bob.sessionId);
  assert.equal(recoveryCodes.length, 10);
  assert.equal(new Set(recoveryCodes).size, 10);
  for (const c of recoveryCodes) assert.match(c, /^[a-z2-9]{5}-[a-z2-9]{5}$/);

  const code = recoveryCodes[3]!;
  const session = await dispatch(env.core, null, 'auth.signIn', { name: 'bob', password, totpCode: code.toUpperCase() });
  const status = await dispatch(env.core, session.sessionId, 'auth.totp.status', {});
  assert.equal(status.recoveryCodesLeft, 9);
  await rejects(dispatch(env.core, null, 'auth.signIn', { name: 'bob', password, totpCode: code }), 'UNAUTHENTICATED');
  const used = events(env.core, 'auth.totp.recoveryCodeUsed');
  assert.equal(used.length, 1);
  assert.equal(used[0]!.target, 'user:bob');
  // Only hashes are kept.
  const stored = env.core.store.db.prepare('SELECT code_hash FROM totp_recovery_codes').all() as Array<{ code_hash: string }>;
  assert.ok(stored.every((r) => !recoveryCodes.some((c) => r.code_hash.includes(c.replace('-', '')))));
  await env.cleanup();
});

test('bad codes are throttled like wrong passwords: after three, even the right code waits', async () => {
  const env = await initialisedCore();
  const { password } = await addUser(env.core, env.admin, 'carol', ['operator']);
  const carol = await dispatch(env.core, null, 'auth.signIn', { name: 'carol', password });
  const { secret } = await enrolTotp(env.core, carol.sessionId);
  env.clock.advance(STEP);
  const bad = () => dispatch(env.core, null, 'auth.signIn', { name: 'carol', password, totpCode: '000000' });
  for (let i = 0; i < 3; i++) assert.doesNotMatch(await rejects(bad(), 'UNAUTHENTICATED'), /Too many/);
  const good = () => dispatch(env.core, null, 'auth.signIn', { name: 'carol', password, totpCode: codeAt(secret, env.clock.now()) });
  assert.match(await rejects(good(), 'UNAUTHENTICATED'), /Too many failed sign-ins/);
  // The wait is 2 s after the fourth; the right code then works and clears this name's count.
  env.clock.advance(2_000);
  await good();
  // The failures reached the chain through the pending-events file, marked unauthenticated.
  const fails = events(env.core, 'auth.signIn').filter((e) => e.outcome === 'failure' && e.target === 'user:carol');
  assert.equal(fails.length, 3);
  assert.ok(fails.every((e) => e.actor === 'unauthenticated' && e.details.includes('totp-bad-code')));
  await env.cleanup();
});

test('the secret is never stored in the clear, follows a key rotation, and cannot be moved to another user', async () => {
  const env = await initialisedCore();
  const a = await addUser(env.core, env.admin, 'dave', ['operator']);
  const b = await addUser(env.core, env.admin, 'erin', ['operator']);
  const dave = await dispatch(env.core, null, 'auth.signIn', { name: 'dave', password: a.password });
  const { secret } = await enrolTotp(env.core, dave.sessionId);
  const erin = await dispatch(env.core, null, 'auth.signIn', { name: 'erin', password: b.password });
  await enrolTotp(env.core, erin.sessionId);
  const raw = env.core.store.db.prepare('SELECT * FROM totp_enrolments').all() as Array<Record<string, unknown>>;
  const dump = JSON.stringify(raw);
  assert.ok(!dump.includes(secret), 'the base32 secret is not in the table');
  assert.ok(!dump.includes(Buffer.from(secret, 'utf8').toString('hex')));

  // Removing a user rotates the data key: the secret is re-encrypted with it.
  await addUser(env.core, env.admin, 'frank', ['viewer']);
  await dispatch(env.core, env.admin, 'users.remove', { name: 'frank' });
  env.clock.advance(STEP);
  await dispatch(env.core, null, 'auth.signIn', { name: 'dave', password: a.password, totpCode: codeAt(secret, env.clock.now()) });

  // Dave's sealed secret copied into erin's row does not open there (bound to the user id).
  env.core.store.db
    .prepare('UPDATE totp_enrolments SET secret = (SELECT secret FROM totp_enrolments WHERE user_id = ?) WHERE user_id = ?')
    .run(env.core.users.byName('dave')!.id, env.core.users.byName('erin')!.id);
  env.clock.advance(STEP);
  await rejects(
    dispatch(env.core, null, 'auth.signIn', { name: 'erin', password: b.password, totpCode: codeAt(secret, env.clock.now()) }),
    'VERIFY_FAILED',
  );
  await env.cleanup();
});

test('a role that requires TOTP: its users enrol at the next sign-in before anything else, then need a code', async () => {
  const env = await initialisedCore();
  const { password } = await addUser(env.core, env.admin, 'gina', ['operator']);
  const out = await dispatch(env.core, env.admin, 'auth.totp.require', { role: 'operator', required: true });
  assert.deepEqual(out.roles, ['operator']);
  const change = events(env.core, 'auth.totp.require');
  assert.equal(change.length, 1);
  assert.deepEqual(JSON.parse(change[0]!.details), { role: 'operator', required: true });

  const gina = await dispatch(env.core, null, 'auth.signIn', { name: 'gina', password });
  assert.equal(gina.mustEnrolTotp, true);
  assert.match(await rejects(dispatch(env.core, gina.sessionId, 'runs.list', {}), 'FORBIDDEN'), /set one up first/);
  const { secret } = await enrolTotp(env.core, gina.sessionId);
  await dispatch(env.core, gina.sessionId, 'runs.list', {});
  assert.equal((await dispatch(env.core, gina.sessionId, 'auth.whoami', {})).mustEnrolTotp, false);
  // Required: she cannot switch it off herself; an admin can reset it (a lost phone).
  await rejects(dispatch(env.core, gina.sessionId, 'auth.totp.disable', { currentPassword: password }), 'POLICY_DENIED');
  env.clock.advance(STEP);
  await dispatch(env.core, null, 'auth.signIn', { name: 'gina', password, totpCode: codeAt(secret, env.clock.now()) });
  await dispatch(env.core, env.admin, 'auth.totp.reset', { name: 'gina' });
  assert.equal((await dispatch(env.core, null, 'auth.signIn', { name: 'gina', password })).mustEnrolTotp, true);

  // Off again: an enrolled user still gives a code (her own choice); one not enrolled just signs in.
  await dispatch(env.core, env.admin, 'auth.totp.require', { role: 'operator', required: false });
  assert.equal((await dispatch(env.core, null, 'auth.signIn', { name: 'gina', password })).mustEnrolTotp, false);
  await env.cleanup();
});

test('lifting the requirement with the data key alone (raw SQL) is refused as tampering', async () => {
  const env = await initialisedCore();
  const op = await addUser(env.core, env.admin, 'hugo', ['operator']);
  await dispatch(env.core, env.admin, 'auth.totp.require', { role: 'operator', required: true });
  await env.core.close();
  const attacker = await attackerWith(env.home, 'hugo', op.password);
  attacker.sql((db) => db.prepare("DELETE FROM totp_role_requirements WHERE role = 'operator'").run());

  const { core } = newCore(env.home);
  const message = await rejects(dispatch(core, null, 'auth.signIn', { name: 'hugo', password: op.password }), 'VERIFY_FAILED');
  assert.match(message, /roles that must use TOTP/);
  await core.close();
  assert.ok(auditEvents(env.home, attacker.ring.data, 'auth.signIn').length > 0);
  // An admin (who holds the admin key) is refused as well rather than handed altered state.
  const again = newCore(env.home).core;
  await rejects(dispatch(again, null, 'auth.signIn', { name: 'admin', password: ADMIN_PASSWORD }), 'VERIFY_FAILED');
  await again.close();
  await env.cleanup();
});

test('disabling TOTP needs the current password; then the password alone signs in again', async () => {
  const env = await initialisedCore();
  const { password } = await addUser(env.core, env.admin, 'ivy', ['viewer']);
  const ivy = await dispatch(env.core, null, 'auth.signIn', { name: 'ivy', password });
  await enrolTotp(env.core, ivy.sessionId);
  await rejects(dispatch(env.core, ivy.sessionId, 'auth.totp.disable', { currentPassword: 'not-my-password-1' }), 'UNAUTHENTICATED');
  await dispatch(env.core, ivy.sessionId, 'auth.totp.disable', { currentPassword: password });
  await dispatch(env.core, null, 'auth.signIn', { name: 'ivy', password });
  assert.equal(events(env.core, 'auth.totp.disable').filter((e) => e.outcome === 'success').length, 1);
  await env.cleanup();
});
