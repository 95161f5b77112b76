#!/usr/bin/env node
/**
 * `airgap-runner [--home DIR] [--user NAME] COMMAND [ARGS] [--json]`
 * Every command dispatches through the handler table of src/api. The command line is read against
 * one table (table.ts), which also writes the help and the shell completion. Exit 0 on success;
 * otherwise non-zero and one line on stderr: `error CODE: message`, or with --json
 * `{"error":{"code":…,"message":…}}`.
 */
import { Core, defaultHome } from '../api';
import { ApiError, toErrorShape, type ErrorCode } from '../kernel';
import { CliContext } from './context';
import { commandHelp, globalHelp, groupHelp } from './help';
import { colour, printJson, quietOnBrokenPipe } from './output';
import { parseCommandLine, wantsJson } from './parse';
import { childrenOf, findCommand, PROGRAM, VERSION } from './table';

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
  if (json) process.stderr.write(`${JSON.stringify({ error: { code: shape.code, message } })}\n`);
  else process.stderr.write(`${colour(process.stderr, 'red', 'error')} ${shape.code}: ${message}\n`);
  return EXIT_CODES[shape.code];
}

export async function main(argv: string[]): Promise<number> {
  process.umask(0o077);
  const json = wantsJson(argv);
  let core: Core | null = null;
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
    core = new Core({ home: parsed.home ?? defaultHome() });
    const ctx = new CliContext(core, { home: core.home, user: parsed.user ?? process.env.AIRGAP_RUNNER_USER, json: parsed.json });
    return (await request.command.run(ctx, request.args)) ?? 0;
  } catch (error) {
    return printError(error, json);
  } finally {
    // Stops the runner a `run` started (its lease released, no container left) and closes the store.
    await core?.close();
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
