import { ROLES } from '../../api/model';
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, positional, requireFlag } from '../context';
import { printFields, printJson, printTable } from '../output';
import { secretFrom } from '../prompt';

function rolesArg(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter(Boolean);
}

export const userCommands: Command[] = [
  {
    path: ['user', 'add'],
    area: 'users',
    flags: { role: { value: 'ROLE[,ROLE…]', help: 'The roles, comma-separated.', hints: ROLES } },
    examples: ['user add bob --role operator', 'user add carol --role operator,auditor'],
    usage: 'user add NAME --role ROLE[,ROLE…]',
    summary: 'Add a user (admin). First password from AIRGAP_RUNNER_NEW_PASSWORD or a prompt.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'user add NAME --role ROLE[,ROLE…]');
      const roles = rolesArg(requireFlag(args, 'role', 'user add NAME --role ROLE[,ROLE…]'));
      await ctx.signIn();
      const password = await secretFrom('AIRGAP_RUNNER_NEW_PASSWORD', `First password for ${name} (at least 12 characters): `, {
        confirm: true,
      });
      const out = await ctx.call('users.add', { name, roles, password });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Added ${out.name} (${out.roles.join(', ')}); they must change the password at first sign-in.\n`);
    },
  },
  {
    path: ['user', 'list'],
    area: 'users',
    examples: ['user list'],
    usage: 'user list',
    summary: 'List users and roles (admin).',
    run: async (ctx) => {
      const out = await ctx.call('users.list', {});
      if (ctx.json) return printJson(out);
      printTable(out.users, ['name', 'roles', 'mustChangePassword', 'createdAt']);
    },
  },
  {
    path: ['user', 'remove'],
    area: 'users',
    examples: ['user remove bob'],
    usage: 'user remove NAME',
    summary: 'Remove a user (admin); rotates every key they could unwrap.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'user remove NAME');
      const out = await ctx.call('users.remove', { name });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Removed ${name}; keys rotated.\n`);
    },
  },
  {
    path: ['user', 'roles'],
    area: 'users',
    examples: ['user roles bob operator,auditor'],
    usage: 'user roles NAME ROLE[,ROLE…]',
    summary: "Replace a user's roles (admin).",
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'user roles NAME ROLE[,ROLE…]');
      const roles = rolesArg(positional(args, 1, 'ROLE[,ROLE…]', 'user roles NAME ROLE[,ROLE…]'));
      const out = await ctx.call('users.setRoles', { name, roles });
      if (ctx.json) return printJson(out);
      printFields({ user: out.name, roles: out.roles });
    },
  },
  {
    path: ['user', 'passwd'],
    area: 'users',
    flags: { 'rotate-all': { help: 'Admins: rotate every key, not only the vault key.' } },
    examples: ['user passwd', 'user passwd --rotate-all', 'user passwd bob'],
    usage: 'user passwd [NAME] [--rotate-all]',
    summary:
      "Change your own password (rotates the vault key; --rotate-all, for admins, rotates every key), or (admin) reset another user's (rotates every key).",
    run: async (ctx, args) => {
      const target = args.positionals[0];
      // The current password is proved again here, so this signs in with it even when a session is saved.
      await ctx.signInWithPassword();
      const me = ctx.options.user!;
      if (target && target.toLowerCase() !== me.toLowerCase()) {
        const password = await secretFrom('AIRGAP_RUNNER_NEW_PASSWORD', `New password for ${target}: `, { confirm: true });
        await ctx.call('users.resetPassword', { name: target, password });
        if (ctx.json) return printJson({ ok: true });
        process.stdout.write(`Password of ${target} reset; they must change it at next sign-in.\n`);
        return;
      }
      const currentPassword = ctx.currentPassword();
      const newPassword = await secretFrom('AIRGAP_RUNNER_NEW_PASSWORD', 'New password (at least 12 characters): ', { confirm: true });
      const rotateAll = args.flags.has('rotate-all');
      await ctx.call('auth.changePassword', { currentPassword, newPassword, rotateAll });
      if (ctx.json) return printJson({ ok: true });
      process.stdout.write(rotateAll ? 'Password changed; every key rotated.\n' : 'Password changed.\n');
    },
  },
];

export const auditCommands: Command[] = [
  {
    path: ['audit', 'list'],
    area: 'audit',
    flags: {
      action: { value: 'ACTION', help: 'Only this action (e.g. users.add).' },
      actor: { value: 'USER', help: 'Only events by this user.' },
      since: { value: 'TIME', help: 'Only events at or after this ISO time.' },
      limit: { value: 'N', help: 'At most N events.' },
    },
    examples: ['audit list --limit 20', 'audit list --action users.add --since 2026-12-01'],
    usage: 'audit list [--action A] [--actor U] [--since TIME] [--limit N]',
    summary: 'Browse the audit trail, newest first (admin, auditor).',
    run: async (ctx, args) => {
      const limitText = flag(args, 'limit');
      const limit = limitText === undefined ? undefined : Number(limitText);
      if (limitText !== undefined && !Number.isInteger(limit)) throw new ApiError('INVALID_INPUT', '--limit takes a whole number.');
      const out = await ctx.call('audit.list', {
        action: flag(args, 'action'),
        actor: flag(args, 'actor'),
        since: flag(args, 'since'),
        limit,
      });
      if (ctx.json) return printJson(out);
      printTable(
        out.events.map((e) => ({ ...e, details: JSON.stringify(e.details) })),
        ['seq', 'time', 'actor', 'action', 'target', 'outcome', 'details'],
      );
    },
  },
  {
    path: ['audit', 'head'],
    area: 'audit',
    examples: ['audit head'],
    usage: 'audit head',
    summary: 'Sequence number and hash of the newest event.',
    run: async (ctx) => {
      const out = await ctx.call('audit.head', {});
      if (ctx.json) return printJson(out);
      printFields(out);
    },
  },
  {
    path: ['audit', 'check'],
    area: 'audit',
    examples: ['audit check'],
    usage: 'audit check',
    summary: 'Walk the whole chain; names the first bad event.',
    run: async (ctx) => {
      const out = await ctx.call('audit.check', {});
      if (ctx.json) printJson(out);
      else printFields(out);
      if (!out.ok) throw new ApiError('VERIFY_FAILED', `The audit chain is broken at event ${out.firstBadSeq}: ${out.problem}`);
    },
  },
];
