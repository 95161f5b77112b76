#!/usr/bin/env node
/**
 * `airgap-runner [--home DIR] [--user NAME] COMMAND [ARGS] [--json]`
 * Every command dispatches through the handler table of src/api. Exit 0 on success; otherwise
 * non-zero and one line `error CODE: message` on stderr.
 */
import { Core, defaultHome } from '../api';
import { ApiError, toErrorShape, type ErrorCode } from '../kernel';
import { CliContext, type CommandArgs } from './context';
import type { Command } from './commands/types';
import { storeCommands } from './commands/store';
import { auditCommands, userCommands } from './commands/users';
import { bundleCommands } from './commands/bundles';
import { auditExportCommands } from './commands/audit-export';
import { runCommands } from './commands/runs';
import { networkCommands, vaultCommands } from './commands/vault';
import { retentionCommands } from './commands/retention';
import { redactCommands } from './commands/redact';
import { inspectCommands } from './commands/inspect';
import { nodeCommands } from './commands/nodes';

export const COMMANDS: Command[] = [
  ...storeCommands,
  ...userCommands,
  ...auditCommands,
  ...bundleCommands,
  ...auditExportCommands,
  ...runCommands,
  ...vaultCommands,
  ...networkCommands,
  ...nodeCommands,
  ...retentionCommands,
  ...redactCommands,
  ...inspectCommands,
];

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

const SECRET_FLAGS = new Set(['password', 'pass', 'recovery-key', 'secret-value']);

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(62)} ${c.summary}`);
  return [
    'Usage: airgap-runner [--home DIR] [--user NAME] COMMAND [ARGS] [--json]',
    '',
    'Commands:',
    ...lines,
    '',
    'Home: --home, else $AIRGAP_RUNNER_HOME, else the OS app-data folder.',
    'User: --user, else $AIRGAP_RUNNER_USER. Password: $AIRGAP_RUNNER_PASSWORD, else a hidden prompt.',
    'Secrets are never taken from arguments.',
  ].join('\n');
}

interface Parsed {
  home?: string;
  user?: string;
  json: boolean;
  help: boolean;
  words: string[];
  flags: Map<string, string[]>;
}

function parse(argv: string[], booleanFlags: (words: string[]) => Set<string>): Parsed {
  const out: Parsed = { json: false, help: false, words: [], flags: new Map() };
  const pendingBooleans = () => booleanFlags(out.words);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.words.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      out.words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (SECRET_FLAGS.has(name)) {
      throw new ApiError(
        'INVALID_INPUT',
        `Secrets are never taken from arguments (they show in the process list). Use the AIRGAP_RUNNER_* environment variable or the prompt instead of --${name}.`,
      );
    }
    if (name === 'json') {
      out.json = true;
      continue;
    }
    if (name === 'help') {
      out.help = true;
      continue;
    }
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (value === undefined && !pendingBooleans().has(name)) {
      value = argv[i + 1];
      if (value === undefined) throw new ApiError('INVALID_INPUT', `--${name} needs a value.`);
      i++;
    }
    if (name === 'home') out.home = value;
    else if (name === 'user') out.user = value;
    else out.flags.set(name, [...(out.flags.get(name) ?? []), value ?? 'true']);
  }
  return out;
}

function findCommand(words: string[]): { command: Command; rest: string[] } | null {
  let best: { command: Command; rest: string[] } | null = null;
  for (const command of COMMANDS) {
    const n = command.path.length;
    if (words.length >= n && command.path.every((w, i) => words[i] === w) && (!best || n > best.command.path.length)) {
      best = { command, rest: words.slice(n) };
    }
  }
  return best;
}

/** The arguments after the command's words, without the global --home/--user options. */
function rawArgsOf(argv: string[], path: string[]): string[] {
  const out: string[] = [];
  let matched = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--home' || a === '--user') {
      i++;
      continue;
    }
    if (a.startsWith('--home=') || a.startsWith('--user=')) continue;
    if (matched < path.length && a === path[matched]) {
      matched++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  process.umask(0o077);
  let core: Core | null = null;
  try {
    const parsed = parse(argv, (words) => new Set(findCommand(words)?.command.booleanFlags ?? []));
    if (parsed.help || parsed.words.length === 0) {
      process.stdout.write(`${usage()}\n`);
      return parsed.words.length === 0 && !parsed.help ? 2 : 0;
    }
    const found = findCommand(parsed.words);
    if (!found)
      throw new ApiError('INVALID_INPUT', `Unknown command "${parsed.words.join(' ')}". Run "airgap-runner --help" for the list.`);
    core = new Core({ home: parsed.home ?? defaultHome() });
    const ctx = new CliContext(core, { home: core.home, user: parsed.user ?? process.env.AIRGAP_RUNNER_USER, json: parsed.json });
    const args: CommandArgs = found.command.rawArgs
      ? { positionals: rawArgsOf(argv, found.command.path), flags: new Map() }
      : { positionals: found.rest, flags: parsed.flags };
    return (await found.command.run(ctx, args)) ?? 0;
  } catch (error) {
    const shape = toErrorShape(error);
    if (shape.code === 'INTERNAL' && process.env.AIRGAP_RUNNER_DEBUG && !(error instanceof ApiError)) {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.stderr.write(`error ${shape.code}: ${shape.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT_CODES[shape.code];
  } finally {
    // Stops the runner a `run` started (its lease released, no container left) and closes the store.
    await core?.close();
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isEntry) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
