/**
 * The always-on service and signing in once (docs/service.md): `service` runs the core without a
 * window; `service status|unseal|lock` talk to it; `login` and `logout` keep and end a session the
 * service holds, so later commands neither type a password nor open the store.
 */
import { ApiError } from '../../kernel';
import type { ServiceStatus } from '../../service';
import type { CliContext } from '../context';
import type { Command } from './types';
import { ServiceLink } from '../link';
import { printFields, printJson } from '../output';
import { secretFrom } from '../prompt';
import { readToken, removeToken, writeToken } from '../token';

/** The service's own type; a type import, so the thin CLI does not load the service. */
type StatusView = ServiceStatus;

function serviceOf(ctx: CliContext): ServiceLink {
  if (!(ctx.link instanceof ServiceLink)) throw new ApiError('INTERNAL', 'This command runs only through a service.');
  return ctx.link;
}

function printStatus(ctx: CliContext, status: StatusView): void {
  if (ctx.json) return printJson(status);
  printFields({
    state: status.state,
    pid: status.pid,
    home: status.home,
    since: status.startedAt,
    unsealedBy: status.unsealedBy ?? '-',
    runnerLease: status.lease.held ? `held (instance ${status.lease.instanceId?.slice(0, 8)})` : 'NOT held',
    runs: `${status.runs.active} running, ${status.runs.queued} queued, ${status.runs.awaiting} awaiting approval`,
    ...(status.runnerError ? { runnerError: status.runnerError } : {}),
    clients: status.clients,
  });
}

export const serviceCommands: Command[] = [
  {
    path: ['service'],
    area: 'service',
    core: 'none',
    examples: ['service', 'service --home /var/lib/airgap-runner'],
    usage: 'service',
    summary:
      'Run the core without a window (systemd runs this): it holds the runner lease and serves the CLI and the desktop app on a private socket. Starts sealed.',
    run: async (ctx) => {
      const { runService } = await import('./service-run');
      return await runService(ctx.options.home);
    },
  },
  {
    path: ['service', 'status'],
    area: 'service',
    core: 'service',
    examples: ['service status', 'service status --json'],
    usage: 'service status',
    summary: 'Whether the service is sealed, who unsealed it, the runner lease and the runs it holds.',
    run: async (ctx) => printStatus(ctx, (await serviceOf(ctx).service('status', null)) as StatusView),
  },
  {
    path: ['service', 'unseal'],
    area: 'service',
    core: 'service',
    examples: ['--user alice service unseal'],
    usage: 'service unseal',
    summary: 'Sign an operator or admin in inside the service: it opens the store, keeps the keys in its memory and starts running tasks.',
    run: async (ctx) => {
      const user = ctx.options.user;
      if (!user) throw new ApiError('INVALID_INPUT', 'Say who unseals the service: --user NAME or AIRGAP_RUNNER_USER.');
      const password = await secretFrom('AIRGAP_RUNNER_PASSWORD', `Password for ${user}: `);
      printStatus(ctx, (await serviceOf(ctx).service('unseal', null, { name: user, password })) as StatusView);
    },
  },
  {
    path: ['service', 'lock'],
    area: 'service',
    core: 'service',
    flags: { force: { help: 'Lock even while runs are in progress (they end as interrupted).' } },
    examples: ['service lock', '--user admin service lock --force'],
    usage: 'service lock [--force]',
    summary: 'Seal the service again (admin): every session ends, the store closes, the keys leave its memory; it keeps the lease.',
    run: async (ctx, args) => {
      const session = await ctx.signIn();
      // Every session ends with the lock; a saved token is removed the next time it is used.
      printStatus(ctx, (await serviceOf(ctx).service('lock', session, { force: args.flags.has('force') })) as StatusView);
    },
  },
  {
    path: ['login'],
    area: 'service',
    core: 'service',
    examples: ['--user alice login'],
    usage: 'login',
    summary: 'Sign in once through the running service: later commands use the session it keeps (ended by logout, idle time, or a lock).',
    run: async (ctx) => {
      const sessionId = await ctx.signInWithPassword();
      const me = await ctx.call('auth.whoami', {});
      const status = (await serviceOf(ctx).service('status', null)) as StatusView;
      const old = readToken(ctx.options.home);
      writeToken(ctx.options.home, { sessionId, user: me.user.name, servicePid: status.pid, createdAt: new Date().toISOString() });
      ctx.keepSession = true;
      // A session saved before this one is ended, not left to idle out in the service.
      if (old && old.sessionId !== sessionId) await ctx.link.call(old.sessionId, 'auth.signOut', {}).catch(() => undefined);
      if (ctx.json) return printJson({ user: me.user.name, roles: me.user.roles });
      process.stdout.write(
        `Signed in as ${me.user.name} (${me.user.roles.join(', ')}). Commands use this session until "airgap-runner logout", idle expiry, or a service lock.\n`,
      );
    },
  },
  {
    path: ['logout'],
    area: 'service',
    core: 'any',
    examples: ['logout'],
    usage: 'logout',
    summary: 'End the session "login" saved: the service forgets it and the token file is removed.',
    run: async (ctx) => {
      const saved = readToken(ctx.options.home);
      if (saved && ctx.link instanceof ServiceLink) await ctx.link.call(saved.sessionId, 'auth.signOut', {}).catch(() => undefined);
      const removed = removeToken(ctx.options.home);
      if (ctx.json) return printJson({ signedOut: removed });
      process.stdout.write(removed ? 'Signed out; the saved session is gone.\n' : 'No saved session here.\n');
    },
  },
];
