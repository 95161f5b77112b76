/**
 * `auth totp …`: offline TOTP (docs/identity.md, "Offline TOTP"). Codes come from the environment
 * or a prompt, never from arguments (they would show in `ps` while still unused).
 */
import { ROLES } from '../../api/model';
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { positional } from '../context';
import { printFields, printJson } from '../output';
import { secretFrom } from '../prompt';

const CONFIRM_ENV = 'AIRGAP_RUNNER_TOTP_NEW_CODE';

function printRecoveryCodes(codes: string[]): void {
  process.stdout.write(
    [
      'Recovery codes (each works once in place of a code; shown only now, keep them somewhere safe and offline):',
      ...codes.map((c) => `  ${c}`),
      '',
    ].join('\n'),
  );
}

export const totpCommands: Command[] = [
  {
    path: ['auth', 'totp', 'status'],
    area: 'users',
    examples: ['auth totp status'],
    usage: 'auth totp status',
    summary: 'Whether you have enrolled TOTP, recovery codes left, and whether your roles require it.',
    run: async (ctx) => {
      const out = await ctx.call('auth.totp.status', {});
      if (ctx.json) return printJson(out);
      printFields({
        enrolled: out.enrolled,
        enrolledAt: out.enrolledAt ?? '-',
        recoveryCodesLeft: out.recoveryCodesLeft,
        requiredByYourRoles: out.required,
      });
    },
  },
  {
    path: ['auth', 'totp', 'enrol'],
    area: 'users',
    examples: ['auth totp enrol'],
    usage: 'auth totp enrol',
    summary: `Enrol an authenticator app: prints the secret and its otpauth URI once, then asks for a code (or: auth totp confirm).`,
    run: async (ctx) => {
      const out = await ctx.call('auth.totp.enrolBegin', {});
      // Without a terminal the code cannot be asked for here (it depends on the secret just made).
      const confirmHere = process.stdin.isTTY === true;
      if (ctx.json && !confirmHere) return printJson(out);
      if (!ctx.json) {
        process.stdout.write(
          [
            'Add this account to your authenticator app (shown only now; it is stored sealed and never shown again):',
            `  secret: ${out.secret}`,
            `  URI:    ${out.uri}`,
            '',
          ].join('\n'),
        );
      }
      if (!confirmHere) {
        process.stdout.write(
          `Then confirm with a code from the app: airgap-runner auth totp confirm (code from a prompt or ${CONFIRM_ENV}).\n`,
        );
        return;
      }
      const code = await secretFrom(CONFIRM_ENV, 'Code the app shows now: ');
      const confirmed = await ctx.call('auth.totp.enrolConfirm', { code });
      if (ctx.json) return printJson({ ...out, ...confirmed });
      printRecoveryCodes(confirmed.recoveryCodes);
    },
  },
  {
    path: ['auth', 'totp', 'confirm'],
    area: 'users',
    examples: ['auth totp confirm'],
    usage: 'auth totp confirm',
    summary: `Finish an enrolment with a code from the app (from a prompt or ${CONFIRM_ENV}); prints ten recovery codes once.`,
    run: async (ctx) => {
      await ctx.signIn();
      const code = await secretFrom(CONFIRM_ENV, 'Code the app shows now: ');
      const out = await ctx.call('auth.totp.enrolConfirm', { code });
      if (ctx.json) return printJson(out);
      printRecoveryCodes(out.recoveryCodes);
    },
  },
  {
    path: ['auth', 'totp', 'disable'],
    area: 'users',
    examples: ['auth totp disable'],
    usage: 'auth totp disable',
    summary: 'Remove your own TOTP enrolment and recovery codes (refused while one of your roles requires TOTP).',
    run: async (ctx) => {
      await ctx.signIn();
      await ctx.call('auth.totp.disable', { currentPassword: ctx.currentPassword() });
      if (ctx.json) return printJson({ ok: true });
      process.stdout.write('TOTP removed: the password alone signs you in again.\n');
    },
  },
  {
    path: ['auth', 'totp', 'reset'],
    area: 'users',
    examples: ['auth totp reset bob'],
    usage: 'auth totp reset NAME',
    summary: "Remove another user's TOTP enrolment, e.g. a lost phone (admin); they enrol again if their role requires it.",
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'auth totp reset NAME');
      await ctx.call('auth.totp.reset', { name });
      if (ctx.json) return printJson({ ok: true });
      process.stdout.write(`TOTP of ${name} removed.\n`);
    },
  },
  {
    path: ['auth', 'totp', 'require'],
    area: 'users',
    flags: { off: { help: 'Stop requiring TOTP for the role.' } },
    argChoices: () => ROLES,
    examples: ['auth totp require operator', 'auth totp require operator --off', 'auth totp require'],
    usage: 'auth totp require [ROLE] [--off]',
    summary: 'Require TOTP for a role, or stop (--off); without ROLE, list the roles that require it (admin).',
    run: async (ctx, args) => {
      const role = args.positionals[0]?.toLowerCase();
      if (role !== undefined && !(ROLES as readonly string[]).includes(role)) {
        throw new ApiError('INVALID_INPUT', `"${role}" is not a role. Roles: ${ROLES.join(', ')}.`);
      }
      const out = role
        ? await ctx.call('auth.totp.require', { role, required: !args.flags.has('off') })
        : await ctx.call('auth.totp.requirements', {});
      if (ctx.json) return printJson(out);
      process.stdout.write(out.roles.length ? `TOTP required for: ${out.roles.join(', ')}\n` : 'TOTP is required for no role.\n');
    },
  },
];
