/**
 * Offline TOTP (docs/identity.md, "Offline TOTP"): a user enrols an authenticator app (the secret
 * and the recovery codes are shown once), removes their own enrolment, an admin resets a lost one
 * and decides which roles require it (sealed with the admin key).
 */
import { ApiError } from '../../kernel';
import { TotpEnrolments, TotpRequirements } from '../../identity';
import { type Handler, needSession, needSigner } from './types';

export const totpHandlers: {
  'auth.totp.status': Handler<'auth.totp.status'>;
  'auth.totp.enrolBegin': Handler<'auth.totp.enrolBegin'>;
  'auth.totp.enrolConfirm': Handler<'auth.totp.enrolConfirm'>;
  'auth.totp.disable': Handler<'auth.totp.disable'>;
  'auth.totp.reset': Handler<'auth.totp.reset'>;
  'auth.totp.requirements': Handler<'auth.totp.requirements'>;
  'auth.totp.require': Handler<'auth.totp.require'>;
} = {
  'auth.totp.status': {
    run: (ctx) => {
      const session = needSession(ctx);
      return {
        ...new TotpEnrolments(ctx.db).status(session.userId),
        required: new TotpRequirements(ctx.db).requiredFor(session.roles),
        mustEnrol: session.mustEnrolTotp === true,
      };
    },
  },

  'auth.totp.enrolBegin': {
    run: (ctx) => {
      const session = needSession(ctx);
      const now = ctx.core.clock.now().toISOString();
      return ctx.change(() => new TotpEnrolments(ctx.db).begin(session.userId, session.name, session.keyring.data, now));
    },
    target: () => null,
  },

  'auth.totp.enrolConfirm': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const nowMs = ctx.core.clock.now().getTime();
      const recoveryCodes = ctx.change(() => new TotpEnrolments(ctx.db).confirm(session.userId, input.code, session.keyring.data, nowMs), {
        target: `user:${session.name}`,
        details: { recoveryCodes: 'issued' },
      });
      session.mustEnrolTotp = false;
      return { recoveryCodes };
    },
  },

  'auth.totp.disable': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      if (!(await ctx.core.store.openSlot(session.name, input.currentPassword))) {
        throw new ApiError('UNAUTHENTICATED', 'Your current password is wrong. TOTP stays on.');
      }
      if (new TotpRequirements(ctx.db).requiredFor(session.roles)) {
        throw new ApiError(
          'POLICY_DENIED',
          'One of your roles requires TOTP, so it cannot be switched off. Enrol a new device instead (that replaces the old one), or ask an admin.',
        );
      }
      const removed = ctx.change(() => new TotpEnrolments(ctx.db).remove(session.userId), { target: `user:${session.name}` });
      if (!removed) throw new ApiError('NOT_FOUND', 'You have no TOTP enrolment to remove.');
      return { ok: true as const };
    },
  },

  'auth.totp.reset': {
    run: (ctx, input) => {
      const user = ctx.core.users.byName(input.name);
      if (!user) throw new ApiError('NOT_FOUND', `No user named "${input.name}": check the name against the users list.`);
      const removed = ctx.change(() => new TotpEnrolments(ctx.db).remove(user.id));
      if (!removed) throw new ApiError('NOT_FOUND', `${input.name} has no TOTP enrolment; nothing was changed.`);
      return { ok: true as const };
    },
    target: (input) => `user:${input.name}`,
  },

  'auth.totp.requirements': {
    run: (ctx) => ({ roles: new TotpRequirements(ctx.db).roles() }),
  },

  'auth.totp.require': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const signer = needSigner(ctx);
      const now = ctx.core.clock.now().toISOString();
      const requirements = new TotpRequirements(ctx.db);
      ctx.change(() => requirements.set(input.role, input.required, session.name, now, signer));
      return { roles: requirements.roles() };
    },
    target: (input) => `role:${input.role}`,
    details: (input) => ({ role: input.role, required: input.required }),
  },
};
