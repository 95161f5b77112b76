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
  const ldif = `dn: ${groupDn(group)}\nchangetype: modify\n${op}: member\nmember: ${userDn(user)}\n`;
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
  try {
    membership('delete', 'airgap-admins', 'carol');
  } catch {
    // not a member
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
  assert.equal((lost!.details as { keysRotated: boolean }).keysRotated, false);

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
  assert.equal((rotated!.details as { keysRotated: boolean }).keysRotated, true);
  // The admin's live session follows the new admin key: sealed state still verifies and changes.
  await as(env.core, env.admin)('identity.mapping.add', { source: 'ldap', group: 'airgap-auditors', role: 'auditor' });
});
