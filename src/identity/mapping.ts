/**
 * Roles from the groups an IdP or directory asserts (docs/identity.md). Once an admin maps any
 * group of a source, that source decides the roles of the users who sign in through it: a role it
 * no longer asserts is gone at once (the session does not get it; its keys are rotated as for a
 * role loss), and a role it newly asserts waits as pending until an admin grants its keys. Until
 * then the rows of identity_role_changes say what waits; they are recomputed at every sign-in.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { ReadonlyDb } from '../kernel';
import { normaliseGroup, type GroupMapping, type IdentitySource } from './enterprise-config';
import { normaliseRoles, type Role } from './roles';

export interface RoleDecision {
  /** False when no group of this source is mapped: the local roles stand. */
  governed: boolean;
  asserted: Role[];
  /** What the session gets: held and asserted. */
  effective: Role[];
  /** Held but no longer asserted. */
  lost: Role[];
  /** Asserted but not held: waits for an admin to grant its keys. */
  pending: Role[];
}

export function decideRoles(
  source: IdentitySource,
  mappings: readonly GroupMapping[],
  groups: readonly string[],
  held: readonly Role[],
): RoleDecision {
  const mine = mappings.filter((m) => m.source === source);
  if (mine.length === 0) return { governed: false, asserted: [...held], effective: [...held], lost: [], pending: [] };
  const asserted = new Set(groups.map((g) => normaliseGroup(source, g)));
  const roles = normaliseRoles(mine.filter((m) => asserted.has(m.group)).map((m) => m.role));
  return {
    governed: true,
    asserted: roles,
    effective: held.filter((r) => roles.includes(r)),
    lost: held.filter((r) => !roles.includes(r)),
    pending: roles.filter((r) => !held.includes(r)),
  };
}

export interface RoleChange {
  userId: number;
  role: Role;
  change: 'pending' | 'lost';
  source: string;
  since: string;
}

/** The rows that stand for this user: what a sign-in withheld and an admin has not decided yet. */
export function roleChangesOf(db: ReadonlyDb, userId: number): RoleChange[] {
  return db
    .prepare('SELECT user_id AS userId, role, change, source, since FROM identity_role_changes WHERE user_id = ? ORDER BY role')
    .all(userId) as RoleChange[];
}

/**
 * The roles of the users table that a sign-in may still give: a role with a standing row (lost at
 * an earlier sign-in, or asserted again after that loss and waiting for a grant) is withheld until
 * an admin decides, because its keys were taken from the user's slot when it was lost.
 */
export function heldRoles(db: ReadonlyDb, userId: number, rowRoles: readonly Role[]): Role[] {
  const withheld = new Set(roleChangesOf(db, userId).map((r) => r.role));
  return rowRoles.filter((r) => !withheld.has(r));
}

/**
 * Replaces what waits for this user with this sign-in's decision (kept `since` for unchanged rows).
 * `rowRoles` are the roles of the sealed users table: a role it still lists that this sign-in did
 * not give (lost now or before, and not asserted again) stays recorded as lost until an admin
 * confirms it; asserted again, it waits as pending.
 */
export function recordRoleChanges(
  db: Database,
  userId: number,
  source: IdentitySource,
  decision: RoleDecision,
  now: string,
  rowRoles: readonly Role[] = [],
): void {
  const before = roleChangesOf(db, userId);
  const keep = new Map(before.map((r) => [`${r.change}:${r.role}`, r] as const));
  db.prepare('DELETE FROM identity_role_changes WHERE user_id = ?').run(userId);
  const insert = db.prepare('INSERT INTO identity_role_changes(user_id, role, change, source, since) VALUES (?, ?, ?, ?, ?)');
  const stillLost = before
    .filter((r) => r.change === 'lost' && rowRoles.includes(r.role) && !decision.asserted.includes(r.role))
    .map((r) => r.role);
  const lost = normaliseRoles([...decision.lost, ...stillLost]);
  for (const role of decision.pending) {
    const k = keep.get(`pending:${role}`);
    insert.run(userId, role, 'pending', k?.source ?? source, k?.since ?? now);
  }
  for (const role of lost) {
    const k = keep.get(`lost:${role}`);
    insert.run(userId, role, 'lost', k?.source ?? source, k?.since ?? now);
  }
}

/**
 * An admin set this user's roles: the rows that settles go (a pending role granted, a lost role
 * taken off the users table). A lost role the admin left in place stays withheld. Returns how many
 * rows went.
 */
export function settleRoleChanges(db: Database, userId: number, roles: readonly Role[]): number {
  let settled = 0;
  for (const r of roleChangesOf(db, userId)) {
    if (r.change === 'pending' ? roles.includes(r.role) : !roles.includes(r.role)) {
      db.prepare('DELETE FROM identity_role_changes WHERE user_id = ? AND role = ?').run(userId, r.role);
      settled += 1;
    }
  }
  return settled;
}

/** What still waits for an admin: pending roles not granted yet, lost roles the users table still lists. */
export function waitingRoleChanges(db: ReadonlyDb, rolesOf: (userId: number) => readonly Role[] | undefined): RoleChange[] {
  const rows = db
    .prepare('SELECT user_id AS userId, role, change, source, since FROM identity_role_changes ORDER BY user_id, change, role')
    .all() as RoleChange[];
  return rows.filter((r) => {
    const held = rolesOf(r.userId);
    if (!held) return false;
    return r.change === 'pending' ? true : held.includes(r.role);
  });
}
