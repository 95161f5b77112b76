import { ApiError } from '../../kernel';
import { permissionsOf } from '../permissions';
import { keysForRoles, type UserRow } from '../../identity';
import { type Handler, needSession } from './types';
import { rotateFor } from './users';
import { refuseUnlessLocal } from './identity';

export function userInfo(u: UserRow) {
  return { name: u.name, roles: u.roles, mustChangePassword: u.mustChangePassword, createdAt: u.createdAt };
}

export const authHandlers: {
  'auth.signIn': Handler<'auth.signIn'>;
  'auth.signOut': Handler<'auth.signOut'>;
  'auth.whoami': Handler<'auth.whoami'>;
  'auth.changePassword': Handler<'auth.changePassword'>;
} = {
  'auth.signIn': {
    // Opens the store (and records the sign-in in the chain), so it gets the whole core.
    kind: 'write',
    run: async (ctx, input) => {
      const { user: found, ring } = await ctx.core.identity.authenticate(input.name, input.password);
      // The sign-in mode may ask for the IdP or the directory too (auth.begin, docs/identity.md).
      refuseUnlessLocal(ctx.core, ring);
      const session = ctx.core.identity.finishLocalSignIn(found, ring, input.name, input.totpCode);
      const user = ctx.core.users.bySlot(ctx.core.store.slotIdFor(session.name))!;
      const mustEnrolTotp = session.mustEnrolTotp === true;
      return { sessionId: session.id, user: userInfo(user), permissions: permissionsOf(user.roles), mustEnrolTotp };
    },
  },
  'auth.signOut': {
    // Ends a session of the core.
    kind: 'write',
    run: (ctx) => {
      const session = needSession(ctx);
      ctx.core.sessions.end(session.id);
      return { ok: true as const };
    },
  },
  'auth.whoami': {
    run: (ctx) => {
      const session = needSession(ctx);
      const user = ctx.core.users.byName(session.name);
      if (!user) throw new ApiError('UNAUTHENTICATED', 'Your account no longer exists. Sign in as another user.');
      const mustEnrolTotp = session.mustEnrolTotp === true;
      // The session's roles, not the table's: a role the IdP or directory stopped asserting is
      // withheld from the session even while the users table still lists it (docs/identity.md).
      const roles = user.roles.filter((r) => session.roles.includes(r));
      return {
        user: userInfo({ ...user, roles }),
        permissions: permissionsOf(roles),
        workstationId: ctx.core.workstationId,
        mustEnrolTotp,
      };
    },
  },
  'auth.changePassword': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const store = ctx.core.store;
      const current = await store.openSlot(session.name, input.currentPassword);
      if (!current) throw new ApiError('UNAUTHENTICATED', 'Your current password is wrong. Nothing was changed.');
      if (input.currentPassword === input.newPassword)
        throw new ApiError('INVALID_INPUT', 'Choose a new password that differs from the current one.');
      const core = ctx.core;
      const user = core.users.byName(session.name)!;
      const now = () => core.clock.now().toISOString();
      // A password that leaked must not keep opening secrets from an old keyslot copy (THREAT_MODEL.md):
      // the vault key always rotates; rotateAll rotates every key (it needs an admin's keys).
      if (input.rotateAll) {
        if (!session.keyring.admin)
          throw new ApiError(
            'FORBIDDEN',
            'Only an admin can rotate every key. Change your password without it; the vault key is rotated anyway.',
          );
        rotateFor(ctx, new Map(), () => {
          core.users.setMustChange(user.id, false, now());
          ctx.recordSuccess({ details: { keysRotated: 'all' } });
        });
        await store.putSlot(current.slotId, input.newPassword, session.keyring, keysForRoles(user.roles));
      } else {
        const grants = new Map(core.users.list().map((u) => [u.slotId, keysForRoles(u.roles)] as const));
        const next = store.rotateVault(current.ring, grants);
        if (next.vault && current.ring.vault) {
          for (const s of core.sessions.all()) {
            if (!s.keyring.vault) continue;
            s.keyring.vault.fill(0);
            s.keyring.vault = Buffer.from(next.vault);
          }
        }
        await store.putSlot(current.slotId, input.newPassword, next, keysForRoles(user.roles));
        ctx.change(() => core.users.setMustChange(user.id, false, now()), { details: { keysRotated: next.vault ? 'vault' : 'none' } });
      }
      session.mustChangePassword = false;
      return { ok: true as const };
    },
    target: () => null,
  },
};
