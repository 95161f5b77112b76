import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, positional, requireFlag } from '../context';
import { printFields, printJson } from '../output';
import { secretFrom } from '../prompt';

export const storeCommands: Command[] = [
  {
    path: ['init'],
    area: 'setup',
    flags: { admin: { value: 'NAME', help: "The first admin's user name." } },
    examples: ['init --admin alice'],
    usage: 'init --admin NAME',
    summary: 'Create the encrypted store and its first admin; prints the recovery key once.',
    run: async (ctx, args) => {
      const adminName = requireFlag(args, 'admin', 'init --admin NAME');
      const password = await secretFrom('AIRGAP_RUNNER_PASSWORD', `New password for ${adminName} (at least 12 characters): `, {
        confirm: true,
      });
      const out = await ctx.callPublic('system.init', { adminName, password });
      if (ctx.json) return printJson(out);
      process.stdout.write(
        [
          `Store created in ${ctx.options.home}`,
          `Workstation id: ${out.workstationId}`,
          '',
          'RECOVERY KEY (shown once; print it or write it down and keep it in a safe):',
          '',
          `    ${out.recoveryKey}`,
          '',
          'It opens the store and resets an admin password if every admin password is lost.',
          '',
        ].join('\n'),
      );
    },
  },
  {
    path: ['whoami'],
    area: 'setup',
    examples: ['whoami', 'whoami --json'],
    usage: 'whoami',
    summary: 'Show the signed-in user and roles.',
    run: async (ctx) => {
      const out = await ctx.call('auth.whoami', {});
      if (ctx.json) return printJson(out);
      printFields({
        user: out.user.name,
        roles: out.user.roles,
        mustChangePassword: out.user.mustChangePassword,
        workstation: out.workstationId,
      });
    },
  },
  {
    path: ['store', 'check'],
    area: 'setup',
    examples: ['store check'],
    usage: 'store check',
    summary: 'Check the database pages, keyslots and audit chain.',
    run: async (ctx) => {
      const out = await ctx.call('store.check', {});
      if (ctx.json) printJson(out);
      else printFields(out);
      if (!out.ok)
        throw new ApiError('VERIFY_FAILED', 'The store check found problems (above). Restore from a backup if the database is damaged.');
    },
  },
  {
    path: ['backup'],
    area: 'setup',
    flags: { out: { value: 'FILE', help: 'The backup file to write; it must not exist yet.' } },
    examples: ['backup --out /media/usb/airgap.backup'],
    usage: 'backup --out FILE',
    summary: 'Write an encrypted backup (database and keyslots) to one file.',
    run: async (ctx, args) => {
      const out = await ctx.call('store.backup', { outPath: requireFlag(args, 'out', 'backup --out FILE') });
      if (ctx.json) return printJson(out);
      printFields({ backup: out.path, bytes: out.bytes, sha256: out.sha256 });
    },
  },
  {
    path: ['restore'],
    area: 'setup',
    flags: { recovery: { help: 'Open the backup with the recovery key ($AIRGAP_RUNNER_RECOVERY_KEY or a prompt).' } },
    examples: ['--home ~/airgap-home restore /media/usb/airgap.backup --user alice', 'restore /media/usb/airgap.backup --recovery'],
    usage: 'restore FILE [--user NAME | --recovery]',
    summary: 'Restore a backup into an empty home with a password or the recovery key.',
    run: async (ctx, args) => {
      const file = positional(args, 0, 'the backup FILE', 'restore FILE [--user NAME | --recovery]');
      const useRecovery = args.flags.has('recovery') || (!ctx.options.user && !!process.env.AIRGAP_RUNNER_RECOVERY_KEY);
      const input = useRecovery
        ? { file, recoveryKey: await secretFrom('AIRGAP_RUNNER_RECOVERY_KEY', 'Recovery key: ') }
        : {
            file,
            name:
              ctx.options.user ??
              (() => {
                throw new ApiError('INVALID_INPUT', 'Say whose password opens the backup (--user NAME), or use --recovery.');
              })(),
            password: await secretFrom('AIRGAP_RUNNER_PASSWORD', `Password for ${ctx.options.user}: `),
          };
      const out = await ctx.callPublic('store.restore', input);
      if (ctx.json) return printJson(out);
      printFields({ restoredInto: ctx.options.home, workstation: out.workstationId, users: out.users });
    },
  },
  {
    path: ['recover'],
    area: 'setup',
    flags: { admin: { value: 'NAME', help: 'The admin whose password to set (created when missing).' } },
    examples: ['recover --admin alice'],
    usage: 'recover --admin NAME',
    summary: 'Open the store with the recovery key and set a new password for an admin.',
    run: async (ctx, args) => {
      const adminName = flag(args, 'admin') ?? ctx.options.user;
      if (!adminName) throw new ApiError('INVALID_INPUT', 'Name the admin whose password to set: recover --admin NAME.');
      const recoveryKey = await secretFrom('AIRGAP_RUNNER_RECOVERY_KEY', 'Recovery key: ');
      const newPassword = await secretFrom('AIRGAP_RUNNER_NEW_PASSWORD', `New password for ${adminName}: `, { confirm: true });
      const out = await ctx.callPublic('store.recover', { recoveryKey, adminName, newPassword });
      if (ctx.json) return printJson(out);
      process.stdout.write(`New password set for admin ${out.adminName}${out.created ? ' (created)' : ''}.\n`);
    },
  },
  {
    path: ['settings', 'get'],
    area: 'setup',
    examples: ['settings get', 'settings get --json'],
    usage: 'settings get',
    summary: 'Show settings.',
    run: async (ctx) => {
      const out = await ctx.call('settings.get', {});
      if (ctx.json) return printJson(out);
      printFields(out.settings, { keys: 'as-is' });
    },
  },
  {
    path: ['settings', 'set'],
    area: 'setup',
    examples: ['settings set audit.exportOverdueDays 14'],
    usage: 'settings set KEY VALUE',
    summary: 'Change a setting (admin). VALUE is JSON, or text.',
    run: async (ctx, args) => {
      const key = positional(args, 0, 'KEY', 'settings set KEY VALUE');
      const raw = positional(args, 1, 'VALUE', 'settings set KEY VALUE');
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // plain text
      }
      const out = await ctx.call('settings.set', { key, value });
      if (ctx.json) return printJson(out);
      printFields({ [out.key]: out.value }, { keys: 'as-is' });
    },
  },
];
