#!/usr/bin/env node
/**
 * `airgap-runner [--home DIR] [--user NAME] COMMAND [ARGS] [--json]`
 * Every command dispatches through the handler table of src/api: in a running, unsealed service
 * when one answers on the home's socket (docs/service.md), else in a core this process opens. The
 * core is imported only in that second case, so a command a service answers loads neither the
 * store nor the schemas. The command line is read against one table (table.ts), which also writes
 * the help and the shell completion. Exit 0 on success; otherwise non-zero and one line on stderr:
 * `error CODE: message`, or with --json `{"error":{"code":…,"message":…}}`.
 */
import { existsSync } from 'node:fs';
import { ApiError, defaultHome, servicePaths, toErrorShape, WireClient, type ApiErrorShape, type ErrorCode } from '../kernel';
import { CliContext } from './context';
import { hintFor } from './hints';
import { commandHelp, globalHelp, groupHelp } from './help';
import { ServiceLink, type CliLink } from './link';
import { colour, printJson, quietOnBrokenPipe } from './output';
import { parseCommandLine, wantsJson } from './parse';
import { childrenOf, findCommand, PROGRAM, VERSION } from './table';
import type { Command } from './commands/types';

const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_INPUT: 2,
  UNAUTHENTICATED: 3,
  FORBIDDEN: 4,
  NOT_FOUND: 5,
  POLICY_DENIED: 6,
  VERIFY_FAILED: 7,
  ENGINE_UNAVAILABLE: 8,
  CONFLICT: 9,
  LOCKED: 10,
  INTERNAL: 1,
};

function helpFor(path: string[]): string {
  if (path.length === 0) return globalHelp();
  const found = findCommand(path);
  if (found && found.rest.length === 0) return commandHelp(found.command);
  return groupHelp(childrenOf(path).length > 0 ? path : []);
}

function printError(error: unknown, json: boolean): number {
  const shape = toErrorShape(error);
  if (shape.code === 'INTERNAL' && process.env.AIRGAP_RUNNER_DEBUG && !(error instanceof ApiError)) {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  }
  const message = shape.message.replace(/\s*\n\s*/g, ' ');
  const hint = shape.next ? hintFor(shape.next) : undefined;
  if (json)
    process.stderr.write(`${JSON.stringify({ error: { code: shape.code, message, ...(hint ? { next: shape.next, hint } : {}) } })}\n`);
  else {
    process.stderr.write(`${colour(process.stderr, 'red', 'error')} ${shape.code}: ${message}\n`);
    if (hint) process.stderr.write(`${colour(process.stderr, 'yellow', 'hint:')} ${hint}\n`);
  }
  return EXIT_CODES[shape.code];
}

/** The service answering on the home's socket, or null when none runs there (no socket, nobody listening). */
async function reachService(home: string): Promise<WireClient | null> {
  const { socket } = servicePaths(home);
  if (!existsSync(socket)) return null;
  try {
    return await WireClient.connect(socket);
  } catch (error) {
    const shape = (error as { shape?: ApiErrorShape }).shape;
    // Refused by the service (its peer check): never fall back to opening a store someone else serves.
    if (shape) throw ApiError.from(shape);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return null;
    throw new ApiError(
      'LOCKED',
      `A service socket is in ${home} but the service did not answer (${(error as Error).message}). Check "airgap-runner service status" or its journal.`,
    );
  }
}

const NO_CORE: CliLink = {
  kind: 'local',
  call: () => Promise.reject(new ApiError('INTERNAL', 'This command uses no core.')),
  subscribe: () => Promise.reject(new ApiError('INTERNAL', 'This command uses no core.')),
  stopRunner: async () => undefined,
  close: async () => undefined,
};

/** The link a command's `core` asks for; `sealed` says a sealed service holds this home. */
async function linkFor(command: Command, home: string): Promise<{ link: CliLink; sealed: boolean }> {
  const need = command.core ?? 'any';
  if (need === 'none') return { link: NO_CORE, sealed: false };
  const client = await reachService(home);
  if (need === 'service') {
    if (!client)
      throw new ApiError('NOT_FOUND', `No service runs for ${home}. Start it ("airgap-runner service", or its systemd unit) first.`);
    return { link: new ServiceLink(client), sealed: client.hello.sealed };
  }
  if (client && !client.hello.sealed) return { link: new ServiceLink(client), sealed: false };
  client?.close();
  // No unsealed service: this process opens the store itself, as before there was a service.
  const { LocalLink } = await import('./local-link');
  return { link: new LocalLink(home), sealed: client !== null };
}

export async function main(argv: string[]): Promise<number> {
  process.umask(0o077);
  const json = wantsJson(argv);
  let ctx: CliContext | null = null;
  let sealed = false;
  try {
    const request = parseCommandLine(argv);
    if (request.kind === 'version') {
      if (json) printJson({ version: VERSION });
      else process.stdout.write(`${PROGRAM} ${VERSION}\n`);
      return 0;
    }
    if (request.kind === 'help') {
      process.stdout.write(`${helpFor(request.path)}\n`);
      // Asked for (--help, -h) is a success; a bare command or group is a usage error.
      return request.parsed.help ? 0 : 2;
    }
    const { parsed } = request;
    const home = parsed.home ?? defaultHome();
    const chosen = await linkFor(request.command, home);
    sealed = chosen.sealed;
    ctx = new CliContext(chosen.link, { home, user: parsed.user ?? process.env.AIRGAP_RUNNER_USER, json: parsed.json });
    return (await request.command.run(ctx, request.args)) ?? 0;
  } catch (error) {
    if (sealed && error instanceof ApiError && error.code === 'LOCKED' && ctx?.link.kind === 'local') {
      return printError(
        new ApiError('LOCKED', `${error.message} A sealed service holds this home: unseal it and this goes through it.`, {
          next: 'service-unseal',
        }),
        json,
      );
    }
    return printError(error, json);
  } finally {
    // Through a service: a session this command signed in for ends. Locally: the runner a `run`
    // started stops (its lease released, no container left) and the store closes.
    await ctx?.close().catch(() => undefined);
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isEntry) {
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
