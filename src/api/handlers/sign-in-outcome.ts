/**
 * How an enterprise sign-in ends (docs/identity.md, "Roles from groups"): refused and recorded with
 * its reason, or a session holding only what the roles the source asserts now allow, after a role it
 * stopped asserting has taken its keys away (applyLoss).
 */
import {
  IdentityConfig,
  decideRoles,
  heldRoles,
  keysForRoles,
  recordRoleChanges,
  type IdentitySource,
  type Role,
  type RoleDecision,
  type SignInAttempt,
  type UserRow,
} from '../../identity';
import { ApiError } from '../../kernel';
import { adminSigner, wipeKeyring, type Keyring } from '../../store';
import type { Core } from '../core';
import { permissionsOf } from '../permissions';
import type { HandlerContext } from './types';
import { userInfo } from './auth';
import { rotateWith } from './users';

/** Records a refused enterprise sign-in with its reason, then refuses the call. */
export function refuse(
  ctx: HandlerContext,
  attempt: SignInAttempt,
  source: IdentitySource,
  reason: string,
  extra: Record<string, unknown>,
  via: string,
): never {
  wipeKeyring(attempt.ring);
  ctx.core.transact(() => undefined, {
    actor: 'unauthenticated',
    action: source === 'saml' ? 'auth.idp.signIn' : 'auth.ldap.signIn',
    target: `user:${attempt.user.name}`,
    outcome: 'failure',
    details: { source, reason, ...extra },
  });
  ctx.markRecorded();
  throw new ApiError('UNAUTHENTICATED', `Sign-in with ${via} was refused: ${reason}. Nothing was opened; try again or ask an admin.`);
}

/**
 * A role the source stopped asserting, at this sign-in (docs/identity.md, "Roles from groups"): the
 * session never gets it, and the keys only it gave are taken away now, with the keys this sign-in
 * holds. With the admin key (an admin signing in) every key rotates and the users table is
 * re-sealed without the role. Without it, the vault key (the one a non-admin role adds) is rotated
 * the way a password change rotates it: every other slot that keeps the vault key gets the new one
 * sealed to its public key, and this user's slot is narrowed to what the remaining roles allow. The
 * users table cannot be re-sealed without the admin key, so the loss stays recorded (enforced at
 * every sign-in, shown as lost in Users) until an admin confirms it. An audit key (auditor) cannot
 * be rotated without the admin key: the slot is narrowed and the full rotation waits for that
 * confirmation. Returns the roles taken off the users table and which keys were rotated.
 */
function applyLoss(core: Core, user: UserRow, ring: Keyring, decision: RoleDecision, source: IdentitySource, now: string) {
  const kept = keysForRoles(decision.effective);
  const dropped = (['vault', 'audit', 'admin'] as const).filter((k) => ring[k] && !kept.includes(k));
  const event = (keysRotated: string) => ({
    actor: 'system',
    action: 'users.roleLost',
    target: `user:${user.name}`,
    outcome: 'success' as const,
    details: { source, from: user.roles, to: decision.effective, lost: decision.lost, keysRotated },
  });
  const rowAfter = user.roles.filter((r) => !decision.lost.includes(r));
  if (ring.admin && ring.vault && ring.audit) {
    const signer = adminSigner(ring.admin);
    if (dropped.length > 0) {
      rotateWith(core, ring, new Map([[user.id, rowAfter]]), () => {
        core.users.setRoles(user.id, rowAfter, now, signer);
        core.record(event('all'));
      });
    } else {
      core.transact(() => core.users.setRoles(user.id, rowAfter, now, signer), event('none'));
    }
    return { applied: decision.lost, rotated: dropped.length > 0 ? 'all' : 'none' };
  }
  let rotated = 'none';
  let current: Keyring = ring;
  if (dropped.includes('vault')) {
    // Every other slot keeps the vault key its roles allow (less any role withheld from it too).
    const grants = new Map(
      core.users
        .list()
        .map((u) => [u.slotId, keysForRoles(u.id === user.id ? decision.effective : heldRoles(core.db, u.id, u.roles))] as const),
    );
    current = core.store.rotateVault(ring, grants);
    for (const s of core.sessions.all()) {
      if (!s.keyring.vault) continue;
      s.keyring.vault.fill(0);
      if (s.userId === user.id) delete s.keyring.vault;
      else s.keyring.vault = Buffer.from(current.vault!);
    }
    rotated = 'vault';
  }
  // The user's own slot no longer opens what the remaining roles do not allow.
  if (dropped.length > 0) core.store.regrant(user.slotId, current, kept);
  if (current.vault && current.vault !== ring.vault) current.vault.fill(0);
  core.transact(() => undefined, event(rotated));
  return { applied: [] as Role[], rotated };
}

/**
 * Roles from the asserted groups, then the session. The session's roles are those the users table
 * lists, less any withheld (lost earlier and not yet confirmed by an admin), and only those the
 * source asserts now; a lost role's keys go at once (applyLoss).
 */
export function finish(
  ctx: HandlerContext,
  attempt: SignInAttempt,
  source: IdentitySource,
  groups: string[],
  details: Record<string, unknown>,
  via: string,
) {
  const core = ctx.core;
  const config = new IdentityConfig(core.db);
  const user = core.users.byName(attempt.user.name);
  if (!user) return refuse(ctx, attempt, source, 'the account was removed meanwhile', details, via);
  const decision = decideRoles(source, config.mappings(), groups, heldRoles(core.db, user.id, user.roles));
  const now = core.clock.now().toISOString();
  const roleDetails = { roles: decision.effective, pending: decision.pending, lost: decision.lost };
  const ring = attempt.ring;
  let applied: Role[] = [];
  if (decision.lost.length > 0) {
    applied = applyLoss(core, user, ring, decision, source, now).applied;
    // Operations are refused at once: the user's other live sessions lose the role too.
    for (const s of core.sessions.all()) if (s.userId === user.id) s.roles = s.roles.filter((r) => decision.effective.includes(r));
  }
  const rowRoles = user.roles.filter((r) => !applied.includes(r));
  const waiting = { ...decision, lost: decision.lost.filter((r) => !applied.includes(r)) };
  if (decision.governed && decision.effective.length === 0) {
    core.db.transaction(() => recordRoleChanges(core.db, user.id, source, waiting, now, rowRoles))();
    const why =
      decision.pending.length > 0
        ? `the groups you are in map only to roles an admin has not granted you yet (${decision.pending.join(', ')})`
        : 'none of the groups you are in maps to a role';
    return refuse(ctx, attempt, source, why, { ...details, ...roleDetails, groups: groups.length }, via);
  }
  // The session holds only what its roles allow, whether or not the slot was narrowed yet.
  const allowed = keysForRoles(decision.effective);
  for (const name of ['data', 'vault', 'audit', 'admin'] as const) {
    if (!allowed.includes(name) && ring[name]) {
      ring[name].fill(0);
      delete ring[name];
    }
  }
  const session = core.db.transaction(() => {
    recordRoleChanges(core.db, user.id, source, waiting, now, rowRoles);
    return core.identity.completeSignIn({ ...user, roles: decision.effective }, ring, { ...details, ...roleDetails });
  })();
  ctx.markRecorded();
  const shown = { ...(core.users.byName(user.name) ?? user), roles: decision.effective };
  return { sessionId: session.id, user: userInfo(shown), permissions: permissionsOf(decision.effective) };
}
