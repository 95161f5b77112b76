import { ApiError } from '../../kernel';
import { permissionsOf } from '../permissions';
import { keysForRoles, type UserRow } from '../../identity';
import { type Handler, needSession } from './types';

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
      const session = await ctx.core.identity.signIn(input.name, input.password);
      const user = ctx.core.users.bySlot(ctx.core.store.slotIdFor(session.name))!;
      return { sessionId: session.id, user: userInfo(user), permissions: permissionsOf(user.roles) };
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
      return { user: userInfo(user), permissions: permissionsOf(user.roles), workstationId: ctx.core.workstationId };
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
      const user = ctx.core.users.byName(session.name)!;
      await store.putSlot(current.slotId, input.newPassword, current.ring, keysForRoles(user.roles));
      ctx.change(() => ctx.core.users.setMustChange(user.id, false, ctx.core.clock.now().toISOString()));
      session.mustChangePassword = false;
      return { ok: true as const };
    },
    target: () => null,
  },
};
