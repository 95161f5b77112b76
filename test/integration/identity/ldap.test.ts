// Sign-in through the real directory (Debian's slapd from test/services.sh --identity): LDAPS and
// StartTLS trusting only the site CA, binding as the user, groups mapped to roles; a user removed
// from a group (ldapmodify, as the site's directory admin would) loses the role at the next sign-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser, as, initialisedCore, rejects } from '../../helpers/core';
import { dispatch } from '../../../src/api/dispatcher';
import { openSlot, parseKeyslotFile, slotIdFor } from '../../../src/store/keyslots';
import { openItem } from '../../../src/vault';

const e = process.env;
const ready = Boolean(
  e.AIRGAP_TEST_LDAP_URL && e.AIRGAP_TEST_LDAP_STARTTLS_URL && e.AIRGAP_TEST_LDAP_CA && e.AIRGAP_TEST_LDAP_ADMIN_PASSWORD_FILE,
);
const SKIP = 'SKIP: no slapd (AIRGAP_TEST_LDAP_*): start test/services.sh --identity (Debian slapd, ldap-utils)';

let env: Awaited<ReturnType<typeof initialisedCore>>;
const userDn = (u: string) => `uid=${u},${e.AIRGAP_TEST_LDAP_USERS_DN}`;
const groupDn = (g: string) => `cn=${g},${e.AIRGAP_TEST_LDAP_GROUPS_DN}`;

/** Changes group membership as the directory's admin, with Debian's ldapmodify over LDAPS. */
function membership(op: 'add' | 'delete', group: string, user: string): void {
  directory(`dn: ${groupDn(group)}\nchangetype: modify\n${op}: member\nmember: ${userDn(user)}\n`);
}

/** Applies an LDIF change as the directory's admin (ldapmodify over LDAPS, trusting the test CA). */
function directory(ldif: string): void {
  execFileSync(
    'ldapmodify',
    ['-H', e.AIRGAP_TEST_LDAP_URL!, '-x', '-D', e.AIRGAP_TEST_LDAP_ADMIN_DN!, '-y', e.AIRGAP_TEST_LDAP_ADMIN_PASSWORD_FILE!],
    {
      input: ldif,
      env: { ...process.env, LDAPTLS_CACERT: e.AIRGAP_TEST_LDAP_CA! },
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: 10_000,
    },
  );
}

function settings(overrides: Record<string, unknown> = {}) {
  return {
    url: e.AIRGAP_TEST_LDAP_URL,
    startTls: false,
    caPem: readFileSync(e.AIRGAP_TEST_LDAP_CA!, 'utf8'),
    serverName: null,
    userDnTemplate: `uid={user},${e.AIRGAP_TEST_LDAP_USERS_DN}`,
    groupMode: 'member',
    groupBase: e.AIRGAP_TEST_LDAP_GROUPS_DN,
    timeoutMs: 5000,
    ...overrides,
  };
}

async function ldapSignIn(name: string, local: string, directory: string) {
  const step = await dispatch(env.core, null, 'auth.begin', { name, password: local });
  assert.ok('next' in step && step.next === 'ldap', `the directory step comes next (got ${JSON.stringify(step)})`);
  return await dispatch(env.core, null, 'auth.ldap.complete', { attemptId: step.attemptId, password: directory });
}

async function lastRefusal(user: string) {
  const events = (await as(env.core, env.admin)('audit.list', { action: 'auth.ldap.signIn', limit: 20 })).events;
  const event = events.find((ev) => ev.target === `user:${user}`)!;
  return { ...event, details: event.details as Record<string, unknown> };
}

before(async () => {
  if (!ready) return;
  env = await initialisedCore({ start: new Date() });
  await addUser(env.core, env.admin, 'alice', ['admin', 'operator'], 'alice-local-pass-1');
  await addUser(env.core, env.admin, 'bob', ['operator'], 'bob-local-pass-1');
  await addUser(env.core, env.admin, 'dave', ['operator'], 'dave-local-pass-1');
  await addUser(env.core, env.admin, 'carol', ['operator', 'viewer'], 'carol-local-pass-1');
  const admin = as(env.core, env.admin);
  await admin('identity.ldap.set', settings());
  await admin('identity.mapping.add', { source: 'ldap', group: 'airgap-admins', role: 'admin' });
  await admin('identity.mapping.add', { source: 'ldap', group: 'airgap-operators', role: 'operator' });
  await admin('identity.setMode', { mode: 'ldap' });
});

after(async () => {
  if (!ready) return;
  // Put the shared directory back as the services seeded it.
  for (const [g, u] of [
    ['airgap-admins', 'alice'],
    ['airgap-operators', 'alice'],
    ['airgap-operators', 'bob'],
  ] as const) {
    try {
      membership('add', g, u);
    } catch {
      // already a member
    }
  }
  for (const [g, u] of [
    ['airgap-admins', 'carol'],
    ['airgap-operators', 'carol'],
  ] as const) {
    try {
      membership('delete', g, u);
    } catch {
      // not a member
    }
  }
  try {
    directory(`dn: ${groupDn('airgap-viewers')}\nchangetype: delete\n`);
  } catch {
    // not made
  }
  await env?.cleanup();
});

test('LDAPS: bob binds as himself, his group maps to operator; a wrong directory password, an empty one and a locked account are refused and recorded', async (t) => {
  if (!ready) return t.skip(SKIP);
  const out = await ldapSignIn('bob', 'bob-local-pass-1', 'bob-pass-1');
  assert.deepEqual(out.user.roles, ['operator']);
  const [ok] = (await as(env.core, env.admin)('audit.list', { action: 'auth.signIn', limit: 5 })).events;
  assert.equal((ok!.details as { source: string }).source, 'ldap');
  assert.match(
    await rejects(ldapSignIn('bob', 'bob-local-pass-1', 'not-his-password'), 'UNAUTHENTICATED'),
    /the directory refused the password/,
  );
  assert.match(String((await lastRefusal('bob')).details.reason), /refused the password/);
  assert.match(
    await rejects(ldapSignIn('dave', 'dave-local-pass-1', 'dave-pass-1'), 'UNAUTHENTICATED'),
    /refused the password \(wrong, or the account is locked/,
  );
  assert.match(await rejects(ldapSignIn('bob', 'bob-local-pass-1', ''), 'UNAUTHENTICATED'), /empty directory password/);
});

test('StartTLS with the site CA works; a CA that is not the site one is refused before any password is sent', async (t) => {
  if (!ready) return t.skip(SKIP);
  const admin = as(env.core, env.admin);
  await admin('identity.ldap.set', settings({ url: e.AIRGAP_TEST_LDAP_STARTTLS_URL, startTls: true }));
  assert.deepEqual((await ldapSignIn('bob', 'bob-local-pass-1', 'bob-pass-1')).user.roles, ['operator']);
  const dir = mkdtempSync(join(tmpdir(), 'agr-ca-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=not-the-site-ca',
        '-days',
        '1',
        '-keyout',
        join(dir, 'k'),
        '-out',
        join(dir, 'c'),
      ],
      {
        stdio: 'ignore',
      },
    );
    await admin('identity.ldap.set', settings({ caPem: readFileSync(join(dir, 'c'), 'utf8') }));
    assert.match(await rejects(ldapSignIn('bob', 'bob-local-pass-1', 'bob-pass-1'), 'UNAUTHENTICATED'), /could not be reached|certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin('identity.ldap.set', settings());
  }
});

test('a user removed from a group in the directory loses the role at the next sign-in; re-added, it waits for an admin', async (t) => {
  if (!ready) return t.skip(SKIP);
  const before = await ldapSignIn('alice', 'alice-local-pass-1', 'alice-pass-1');
  assert.deepEqual(before.user.roles, ['admin', 'operator']);
  membership('delete', 'airgap-operators', 'alice');
  const after = await ldapSignIn('alice', 'alice-local-pass-1', 'alice-pass-1');
  assert.deepEqual(after.user.roles, ['admin']);
  // Alice signs with the admin key, so the loss is applied to her row at once (admin keeps every
  // key, so no rotation is due; a key-bearing loss rotates, below).
  assert.deepEqual(env.core.users.byName('alice')!.roles, ['admin']);
  const [lost] = (await as(env.core, env.admin)('audit.list', { action: 'users.roleLost', limit: 5 })).events;
  assert.deepEqual((lost!.details as { to: string[] }).to, ['admin']);
  assert.equal((lost!.details as { keysRotated: string }).keysRotated, 'none');

  // Bob holds no admin key: he loses operator at once (he cannot sign in with no role), and the
  // rotation waits for an admin, shown in identity.show.
  membership('delete', 'airgap-operators', 'bob');
  assert.match(
    await rejects(ldapSignIn('bob', 'bob-local-pass-1', 'bob-pass-1'), 'UNAUTHENTICATED'),
    /none of the groups you are in maps to a role/,
  );
  const waiting = (await as(env.core, env.admin)('identity.show')).waiting;
  assert.deepEqual(
    waiting.map((w) => `${w.user}:${w.change}:${w.role}`),
    ['bob:lost:operator'],
  );

  // Alice back in the group: operator is asserted again but waits for an admin to grant its keys.
  membership('add', 'airgap-operators', 'alice');
  const again = await ldapSignIn('alice', 'alice-local-pass-1', 'alice-pass-1');
  assert.deepEqual(again.user.roles, ['admin']);
  const shown = (await as(env.core, env.admin)('identity.show')).waiting.map((w) => `${w.user}:${w.change}:${w.role}`);
  assert.ok(shown.includes('alice:pending:operator'), shown.join(' '));

  // Alice removed from the admins' group: a key-bearing role lost. Her sign-in still holds every
  // key, so every key is rotated at once; other sessions (the admin's) get the new keys.
  await as(env.core, env.admin)('users.setRoles', { name: 'alice', roles: ['admin', 'operator'] });
  const generation = env.core.store.generation;
  // groupOfNames needs a member: carol holds the group while alice leaves it.
  membership('add', 'airgap-admins', 'carol');
  membership('delete', 'airgap-admins', 'alice');
  const demoted = await ldapSignIn('alice', 'alice-local-pass-1', 'alice-pass-1');
  assert.deepEqual(demoted.user.roles, ['operator']);
  assert.deepEqual(env.core.users.byName('alice')!.roles, ['operator']);
  assert.ok(env.core.store.generation > generation, 'every key was rotated');
  const [rotated] = (await as(env.core, env.admin)('audit.list', { action: 'users.roleLost', limit: 5 })).events;
  assert.equal((rotated!.details as { keysRotated: string }).keysRotated, 'all');
  // The admin's live session follows the new admin key: sealed state still verifies and changes.
  await as(env.core, env.admin)('identity.mapping.add', { source: 'ldap', group: 'airgap-auditors', role: 'auditor' });
});

/** The keys a copy of keyslots.json gives for this user and local password (what a leaked backup gives). */
async function keysFromCopy(copy: string, name: string, password: string) {
  const file = parseKeyslotFile(copy)!;
  const ring = await openSlot(
    file.slots.find((s) => s.id === slotIdFor(file, name))!,
    password,
  );
  assert.ok(ring, 'the keyslot opens with the local password');
  return ring;
}

test('an operator removed from the operators group: the next sign-in has no operator role, vault operations are refused at once (in a session already open too), the vault key is rotated so an old keyslot copy opens no vault item, and the loss shows until an admin confirms it', async (t) => {
  if (!ready) return t.skip(SKIP);
  const admin = as(env.core, env.admin);
  // Carol is in operators and in a viewers group made for this test (and no longer in admins, where the test above left her).
  membership('add', 'airgap-operators', 'carol');
  try {
    membership('add', 'airgap-admins', 'alice');
  } catch {
    // already a member
  }
  try {
    membership('delete', 'airgap-admins', 'carol');
  } catch {
    // not a member (this test alone)
  }
  directory(
    `dn: ${groupDn('airgap-viewers')}\nchangetype: add\nobjectClass: groupOfNames\ncn: airgap-viewers\nmember: ${userDn('carol')}\n`,
  );
  await admin('identity.mapping.add', { source: 'ldap', group: 'airgap-viewers', role: 'viewer' });
  await admin('vault.add', { name: 'kubeconfig', value: Buffer.from('apiVersion: v1 secret').toString('base64') });

  const first = await ldapSignIn('carol', 'carol-local-pass-1', 'carol-pass-1');
  assert.deepEqual(first.user.roles, ['operator', 'viewer']);
  await dispatch(env.core, first.sessionId, 'vault.list', {});
  const home = env.core.store.layout.home;
  const copy = readFileSync(join(home, 'keyslots.json'), 'utf8');
  const old = await keysFromCopy(copy, 'carol', 'carol-local-pass-1');
  assert.ok(old.vault, 'before the loss her slot gives the vault key');

  membership('delete', 'airgap-operators', 'carol');
  const second = await ldapSignIn('carol', 'carol-local-pass-1', 'carol-pass-1');
  assert.deepEqual(second.user.roles, ['viewer']);
  assert.ok(!second.permissions.includes('vault.manage'), second.permissions.join(' '));
  // The role is gone from the new session and from the one already open, at once.
  assert.match(await rejects(dispatch(env.core, second.sessionId, 'vault.list', {}), 'FORBIDDEN'), /Your roles \(viewer\)/);
  await rejects(dispatch(env.core, first.sessionId, 'vault.list', {}), 'FORBIDDEN');
  const whoami = await dispatch(env.core, second.sessionId, 'auth.whoami', {});
  assert.deepEqual(whoami.user.roles, ['viewer']);

  // The vault key was rotated at that sign-in: the old copy's vault key opens no current item; the admin's opens it.
  const sealed = (env.core.store.db.prepare("SELECT sealed FROM vault_items WHERE name = 'kubeconfig'").get() as { sealed: string }).sealed;
  assert.equal(openItem(old.vault, 'kubeconfig', sealed), null, 'the old vault key opens nothing current');
  const adminRing = env.core.sessions.all().find((s) => s.id === env.admin)!.keyring;
  assert.equal(openItem(adminRing.vault!, 'kubeconfig', sealed)?.toString(), 'apiVersion: v1 secret');
  // Her current slot no longer holds a vault key at all.
  const now = await keysFromCopy(readFileSync(join(home, 'keyslots.json'), 'utf8'), 'carol', 'carol-local-pass-1');
  assert.equal(now.vault, undefined);
  const [lost] = (await admin('audit.list', { action: 'users.roleLost', limit: 5 })).events;
  assert.equal(lost!.target, 'user:carol');
  assert.equal((lost!.details as { keysRotated: string }).keysRotated, 'vault');

  // Without the admin key the users table still lists operator: the loss is recorded, enforced and shown.
  assert.deepEqual(env.core.users.byName('carol')!.roles, ['operator', 'viewer']);
  const waiting = () =>
    admin('identity.show').then((s) => s.waiting.filter((w) => w.user === 'carol').map((w) => `${w.change}:${w.role}:${w.source}`));
  assert.deepEqual(await waiting(), ['lost:operator:ldap']);
  // The next sign-in opens (no outdated key in her slot), still without operator, and rotates nothing more.
  const generation = env.core.store.generation;
  const third = await ldapSignIn('carol', 'carol-local-pass-1', 'carol-pass-1');
  assert.deepEqual(third.user.roles, ['viewer']);
  assert.equal(env.core.store.generation, generation);
  assert.deepEqual(await waiting(), ['lost:operator:ldap']);

  // Back in the group, operator waits for an admin; the admin grants it and her keys come back.
  membership('add', 'airgap-operators', 'carol');
  assert.deepEqual((await ldapSignIn('carol', 'carol-local-pass-1', 'carol-pass-1')).user.roles, ['viewer']);
  assert.deepEqual(await waiting(), ['pending:operator:ldap']);
  await admin('users.setRoles', { name: 'carol', roles: ['operator', 'viewer'] });
  assert.deepEqual(await waiting(), []);
  const granted = await ldapSignIn('carol', 'carol-local-pass-1', 'carol-pass-1');
  assert.deepEqual(granted.user.roles, ['operator', 'viewer']);
  await dispatch(env.core, granted.sessionId, 'vault.list', {});

  // Out again, and the admin confirms the loss in Users: the row loses operator, nothing waits.
  membership('delete', 'airgap-operators', 'carol');
  assert.deepEqual((await ldapSignIn('carol', 'carol-local-pass-1', 'carol-pass-1')).user.roles, ['viewer']);
  assert.deepEqual(await waiting(), ['lost:operator:ldap']);
  await admin('users.setRoles', { name: 'carol', roles: ['viewer'] });
  assert.deepEqual(await waiting(), []);
  assert.deepEqual(env.core.users.byName('carol')!.roles, ['viewer']);
});
