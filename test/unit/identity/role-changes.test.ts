/**
 * Roles from groups (src/identity/mapping.ts): what a sign-in withholds and records, and what an
 * admin's decision settles. A role lost at a sign-in that could not re-seal the users table stays
 * recorded as lost (and withheld) at every later sign-in until an admin takes it off; asserted
 * again, it waits as pending; granting it settles the row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3-multiple-ciphers';
import {
  decideRoles,
  heldRoles,
  recordRoleChanges,
  roleChangesOf,
  settleRoleChanges,
  waitingRoleChanges,
  type GroupMapping,
  type Role,
} from '../../../src/identity';

const mappings: GroupMapping[] = [
  { source: 'ldap', group: 'ops', role: 'operator', createdAt: 't', createdBy: 'user:a' },
  { source: 'ldap', group: 'view', role: 'viewer', createdAt: 't', createdBy: 'user:a' },
];

function db() {
  const d = new Database(':memory:');
  d.exec(
    "CREATE TABLE identity_role_changes (user_id INTEGER NOT NULL, role TEXT NOT NULL, change TEXT NOT NULL CHECK (change IN ('pending', 'lost')), source TEXT NOT NULL, since TEXT NOT NULL, PRIMARY KEY (user_id, role)) STRICT",
  );
  return d;
}

/** One sign-in of user 1 whose users-table row lists `row`, asserting `groups`. */
function signIn(d: Database.Database, row: Role[], groups: string[], now: string) {
  const decision = decideRoles('ldap', mappings, groups, heldRoles(d, 1, row));
  recordRoleChanges(d, 1, 'ldap', decision, now, row);
  return decision;
}

const rows = (d: Database.Database) => roleChangesOf(d, 1).map((r) => `${r.change}:${r.role}@${r.since}`);

test('a lost role stays recorded and withheld at later sign-ins until an admin settles it', () => {
  const d = db();
  const row: Role[] = ['operator', 'viewer'];
  assert.deepEqual(signIn(d, row, ['ops', 'view'], 't1').effective, ['operator', 'viewer']);
  assert.deepEqual(rows(d), []);

  // Out of ops: operator lost, kept lost (with its first time) at the next sign-in, never effective.
  const lost = signIn(d, row, ['view'], 't2');
  assert.deepEqual([lost.effective, lost.lost], [['viewer'], ['operator']]);
  assert.deepEqual(rows(d), ['lost:operator@t2']);
  assert.deepEqual(signIn(d, row, ['view'], 't3').effective, ['viewer']);
  assert.deepEqual(rows(d), ['lost:operator@t2']);
  assert.deepEqual(heldRoles(d, 1, row), ['viewer']);
  assert.deepEqual(
    waitingRoleChanges(d, () => row).map((w) => `${w.change}:${w.role}`),
    ['lost:operator'],
  );

  // Back in ops: the role waits for an admin (its keys were taken), not given at once.
  const back = signIn(d, row, ['ops', 'view'], 't4');
  assert.deepEqual([back.effective, back.pending], [['viewer'], ['operator']]);
  assert.deepEqual(rows(d), ['pending:operator@t4']);
  // An admin setting roles that still list operator grants it: the row goes.
  assert.equal(settleRoleChanges(d, 1, ['operator', 'viewer']), 1);
  assert.deepEqual(signIn(d, row, ['ops', 'view'], 't5').effective, ['operator', 'viewer']);

  // Lost again; an admin who keeps operator on the table leaves it withheld; taking it off settles it.
  signIn(d, row, ['view'], 't6');
  assert.equal(settleRoleChanges(d, 1, ['operator', 'viewer']), 0);
  assert.deepEqual(rows(d), ['lost:operator@t6']);
  assert.equal(settleRoleChanges(d, 1, ['viewer']), 1);
  assert.deepEqual(rows(d), []);
  // Once the table no longer lists it, a stale lost row is not shown as waiting.
  signIn(d, ['operator', 'viewer'], ['view'], 't7');
  assert.deepEqual(
    waitingRoleChanges(d, () => ['viewer']).map((w) => w.role),
    [],
  );
});
