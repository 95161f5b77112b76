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

/** Replaces what waits for this user with this sign-in's decision (kept `since` for unchanged rows). */
export function recordRoleChanges(db: Database, userId: number, source: IdentitySource, decision: RoleDecision, now: string): void {
  const keep = new Map(
    (db.prepare('SELECT role, change, since FROM identity_role_changes WHERE user_id = ?').all(userId) as RoleChange[]).map((r) => [
      `${r.change}:${r.role}`,
      r.since,
    ]),
  );
  db.prepare('DELETE FROM identity_role_changes WHERE user_id = ?').run(userId);
  const insert = db.prepare('INSERT INTO identity_role_changes(user_id, role, change, source, since) VALUES (?, ?, ?, ?, ?)');
  for (const role of decision.pending) insert.run(userId, role, 'pending', source, keep.get(`pending:${role}`) ?? now);
  for (const role of decision.lost) insert.run(userId, role, 'lost', source, keep.get(`lost:${role}`) ?? now);
}

/** What still waits for an admin: pending roles not granted yet, lost roles still held (keys not rotated yet). */
export function waitingRoleChanges(db: ReadonlyDb, rolesOf: (userId: number) => readonly Role[] | undefined): RoleChange[] {
  const rows = db
    .prepare('SELECT user_id AS userId, role, change, source, since FROM identity_role_changes ORDER BY user_id, change, role')
    .all() as RoleChange[];
  return rows.filter((r) => {
    const held = rolesOf(r.userId);
    if (!held) return false;
    return r.change === 'pending' ? !held.includes(r.role) : held.includes(r.role);
  });
}
