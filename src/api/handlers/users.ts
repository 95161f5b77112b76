/**
 * Accounts and roles (admin). Keyslots follow THREAT_MODEL.md: adding a user or a role grants
 * keys sealed to their slot; removing a user or a key-bearing role rotates every key.
 */
import { ApiError } from '../../kernel';
import { heldRoles, keysForRoles, roleChangesOf, settleRoleChanges, type Role } from '../../identity';
import type { Core } from '../core';
import type { KeyName, Keyring } from '../../store';
import { type Handler, type HandlerContext, needSession, needSigner } from './types';
import { userInfo } from './auth';

function mustFind(core: Core, name: string) {
  const user = core.users.byName(name);
  if (!user) throw new ApiError('NOT_FOUND', `No user named "${name}": check the name against the users list.`);
  return user;
}

/**
 * Rotates every key, re-granting each remaining user what their roles allow, and refreshes the
 * keys held by live sessions. `inTransaction` runs inside the rotation's database transaction.
 */
export function rotateFor(ctx: HandlerContext, rolesAfter: Map<number, Role[]>, inTransaction: () => void): void {
  rotateWith(ctx.core, needSession(ctx).keyring, rolesAfter, inTransaction);
}

/**
 * rotateFor with the keys of `current` (a session's, or a sign-in's not yet a session): `alsoRefresh`
 * are keyrings outside the sessions that get their new keys too.
 */
export function rotateWith(
  core: Core,
  current: Keyring,
  rolesAfter: Map<number, Role[]>,
  inTransaction: () => void,
  alsoRefresh: Array<{ ring: Keyring; roles: Role[] }> = [],
): void {
  const grants = new Map<string, KeyName[]>();
  const users = core.users.list();
  for (const u of users) {
    // A role a sign-in withheld (lost, not yet confirmed; or asserted again, not yet granted) gets no keys here.
    const standing = roleChangesOf(core.db, u.id).filter((r) => r.change === 'lost' || !rolesAfter.has(u.id));
    const listed = rolesAfter.get(u.id) ?? u.roles;
    const roles = listed.filter((r) => !standing.some((w) => w.role === r));
    if (listed.length > 0) grants.set(u.slotId, keysForRoles(roles));
  }
  const next = core.store.rotate(current, grants, inTransaction);
  const rings = [...core.sessions.all().map((s) => ({ ring: s.keyring, roles: rolesAfter.get(s.userId) ?? s.roles })), ...alsoRefresh];
  for (const { ring, roles } of rings) {
    const names = keysForRoles(roles);
    for (const name of ['data', 'vault', 'audit', 'admin'] as const) {
      ring[name]?.fill(0);
      if (names.includes(name)) ring[name] = Buffer.from(next[name]!);
      else delete ring[name];
    }
  }
  for (const name of ['data', 'vault', 'audit', 'admin'] as const) next[name]?.fill(0);
}

function refuseLastAdmin(core: Core, userId: number, message: string): void {
  const admins = core.users.list().filter((u) => u.roles.includes('admin'));
  if (admins.length === 1 && admins[0]!.id === userId) throw new ApiError('CONFLICT', message);
}

export const userHandlers: {
  'users.list': Handler<'users.list'>;
  'users.add': Handler<'users.add'>;
  'users.remove': Handler<'users.remove'>;
  'users.setRoles': Handler<'users.setRoles'>;
  'users.resetPassword': Handler<'users.resetPassword'>;
} = {
  'users.list': {
    run: (ctx) => ({ users: ctx.core.users.list().map(userInfo) }),
  },

  'users.add': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      if (core.users.byName(input.name)) throw new ApiError('CONFLICT', `A user named "${input.name}" already exists. Pick another name.`);
      const slotId = core.store.slotIdFor(input.name);
      // The slot is written first; a crash before the row is inserted leaves an unusable slot, never a user without keys.
      await core.store.putSlot(slotId, input.password, session.keyring, keysForRoles(input.roles));
      const now = core.clock.now().toISOString();
      const signer = needSigner(ctx);
      const user = ctx.change(() =>
        core.users.insert({ name: input.name, slotId, roles: input.roles, mustChangePassword: true, now }, signer),
      );
      return userInfo(user);
    },
    target: (input) => `user:${input.name}`,
    details: (input) => ({ roles: input.roles }),
  },

  'users.remove': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const user = mustFind(core, input.name);
      if (user.id === session.userId) throw new ApiError('CONFLICT', 'You cannot remove yourself. Ask another admin.');
      refuseLastAdmin(core, user.id, 'This is the last admin; add another admin first.');
      core.sessions.endForUser(user.id);
      const signer = needSigner(ctx);
      rotateFor(ctx, new Map([[user.id, []]]), () => {
        core.users.remove(user.id, signer);
        ctx.recordSuccess({ details: { roles: user.roles, keysRotated: true } });
      });
      return { ok: true as const };
    },
    target: (input) => `user:${input.name}`,
  },

  'users.setRoles': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const user = mustFind(core, input.name);
      if (!input.roles.includes('admin') && user.roles.includes('admin')) {
        refuseLastAdmin(core, user.id, 'This is the last admin; give another user the admin role first.');
      }
      const before = keysForRoles(user.roles);
      const after = keysForRoles(input.roles);
      const losesKey = before.some((k) => !after.includes(k));
      const now = core.clock.now().toISOString();
      const details = { from: user.roles, to: input.roles, keysRotated: losesKey };
      const signer = needSigner(ctx);
      if (losesKey) {
        rotateFor(ctx, new Map([[user.id, input.roles]]), () => {
          core.users.setRoles(user.id, input.roles, now, signer);
          settleRoleChanges(core.db, user.id, input.roles);
          ctx.recordSuccess({ details });
        });
      } else {
        // A role granted after a sign-in withheld it (its keys were taken from the slot) gets its keys again too.
        const settles = roleChangesOf(core.db, user.id).some((r) => r.change === 'pending' && input.roles.includes(r.role));
        if (settles || after.some((k) => !before.includes(k))) core.store.regrant(user.slotId, session.keyring, after);
        ctx.change(
          () => {
            core.users.setRoles(user.id, input.roles, now, signer);
            settleRoleChanges(core.db, user.id, input.roles);
          },
          { details },
        );
      }
      const held = heldRoles(core.db, user.id, input.roles);
      for (const s of core.sessions.all()) if (s.userId === user.id) s.roles = [...held];
      return userInfo(core.users.byName(input.name)!);
    },
    target: (input) => `user:${input.name}`,
  },

  'users.resetPassword': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const user = mustFind(core, input.name);
      if (user.id === session.userId)
        throw new ApiError(
          'INVALID_INPUT',
          'To change your own password, change it as yourself (My account, or the command line without a user name): a reset is for other users.',
        );
      // A reset is what an admin does when a password leaked (THREAT_MODEL.md): like a removal, every
      // key that user could unwrap is rotated first, so an old keyslot copy plus the old password opens
      // nothing current; then the user gets a new slot with the new keys.
      core.sessions.endForUser(user.id);
      rotateFor(ctx, new Map([[user.id, []]]), () => {
        core.users.setMustChange(user.id, true, core.clock.now().toISOString());
        ctx.recordSuccess({ details: { keysRotated: true } });
      });
      await core.store.putSlot(user.slotId, input.password, session.keyring, keysForRoles(user.roles));
      return { ok: true as const };
    },
    target: (input) => `user:${input.name}`,
  },
};
