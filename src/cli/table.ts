/**
 * The one command table: the parser (parse.ts), the help (help.ts) and the shell completion
 * (completion.ts) are all read from it, so a flag declared here is accepted, documented and
 * completed, and one that is not is refused everywhere.
 */
import { VERSION } from '../api/model';
import type { Area, Command, FlagSpec } from './commands/types';
import { storeCommands } from './commands/store';
import { auditCommands, userCommands } from './commands/users';
import { totpCommands } from './commands/totp';
import { bundleCommands } from './commands/bundles';
import { auditExportCommands } from './commands/audit-export';
import { runCommands } from './commands/runs';
import { networkCommands, vaultCommands } from './commands/vault';
import { retentionCommands } from './commands/retention';
import { redactCommands } from './commands/redact';
import { nodeCommands } from './commands/nodes';
import { healthCommands, scheduleCommands } from './commands/schedules';
import { sshCaCommands } from './commands/ssh-ca';
import { inspectCommands } from './commands/inspect';
import { shellCommands } from './commands/shell';
import { serviceCommands } from './commands/service';
import { identityCommands } from './commands/identity';

export const PROGRAM = 'airgap-runner';
export { VERSION };

/** The global help's groups, in order. */
export const AREAS: ReadonlyArray<{ id: Area; title: string }> = [
  { id: 'setup', title: 'Setup and store' },
  { id: 'users', title: 'Users and roles' },
  { id: 'catalog', title: 'Mirror and catalog' },
  { id: 'trust', title: 'Trust and policy' },
  { id: 'runs', title: 'Runs' },
  { id: 'schedules', title: 'Schedules and health' },
  { id: 'inspect', title: 'Task detail, issues, engine' },
  { id: 'ai', title: 'AI summaries (off by default)' },
  { id: 'vault', title: 'Vault and networks' },
  { id: 'nodes', title: 'Remote engines (nodes)' },
  { id: 'audit', title: 'Audit trail' },
  { id: 'audit-export', title: 'Audit export' },
  { id: 'redaction', title: 'Redaction' },
  { id: 'retention', title: 'Retention' },
  { id: 'service', title: 'Service and signing in once' },
  { id: 'shell', title: 'Help and shell' },
];

/** Flags every command takes. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  home: { value: 'DIR', help: 'The home folder (else $AIRGAP_RUNNER_HOME, else the OS app-data folder).' },
  user: { value: 'NAME', help: 'Who signs in (else $AIRGAP_RUNNER_USER).' },
  json: { help: 'Print JSON on stdout, and errors as JSON on stderr.' },
  help: { help: "Show the command's help (-h too)." },
};

/** Flags that would put a secret in the process list: refused with a pointer to the environment variable. */
export const SECRET_FLAGS = new Set(['password', 'pass', 'recovery-key', 'secret-value', 'totp-code']);

export const COMMANDS: Command[] = [
  ...storeCommands,
  ...userCommands,
  ...totpCommands,
  ...identityCommands,
  ...auditCommands,
  ...bundleCommands,
  ...auditExportCommands,
  ...runCommands,
  ...scheduleCommands,
  ...healthCommands,
  ...vaultCommands,
  ...networkCommands,
  ...nodeCommands,
  ...sshCaCommands,
  ...retentionCommands,
  ...redactCommands,
  ...inspectCommands,
  ...serviceCommands,
  ...shellCommands(() => COMMANDS),
];

export const commandName = (c: Command): string => c.path.join(' ');

/** The longest command whose path starts `words`, and the words after it. */
export function findCommand(words: readonly string[]): { command: Command; rest: string[] } | null {
  let best: { command: Command; rest: string[] } | null = null;
  for (const command of COMMANDS) {
    const n = command.path.length;
    if (words.length >= n && command.path.every((w, i) => words[i] === w) && (!best || n > best.command.path.length)) {
      best = { command, rest: words.slice(n) };
    }
  }
  return best;
}

/** The words that may follow `prefix` (["runs"] → list, show, logs, …), in table order. */
export function childrenOf(prefix: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of COMMANDS) {
    if (c.path.length > prefix.length && prefix.every((w, i) => c.path[i] === w)) {
      const next = c.path[prefix.length]!;
      if (!out.includes(next)) out.push(next);
    }
  }
  return out;
}

/** The commands under a group word (["runs"] → runs list, runs show, …). */
export function commandsUnder(prefix: readonly string[]): Command[] {
  return COMMANDS.filter((c) => c.path.length > prefix.length && prefix.every((w, i) => c.path[i] === w));
}

/** A command's own flags and the global ones. */
export function flagsOf(command: Command | null): Record<string, FlagSpec> {
  return { ...(command?.flags ?? {}), ...GLOBAL_FLAGS };
}

/**
 * Whether --NAME takes a value, from every command's declaration (a name means the same everywhere,
 * which a unit test checks): the words can then be split from the flags before the command is known,
 * so flags may come anywhere on the line, as with kubectl and gh.
 */
export function takesValue(name: string): boolean | undefined {
  if (GLOBAL_FLAGS[name]) return GLOBAL_FLAGS[name].value !== undefined;
  for (const c of COMMANDS) {
    const spec = c.flags?.[name];
    if (spec) return spec.value !== undefined;
  }
  return undefined;
}

/**
 * Whether a command takes arguments besides flags, read from its synopsis: what is left after the
 * path once the flag groups (`[--x N]`, `(--a | --b)`, `--out FILE`) are taken out.
 */
export function takesArguments(command: Command): boolean {
  if (command.rawArgs || command.argChoices) return true;
  let rest = command.usage.split(/\s+/).slice(command.path.length).join(' ');
  for (;;) {
    const next = rest.replace(/[[(][^[\]()]*[\])]…?/g, (group) => (group.includes('--') ? '' : group.replace(/[[\]()]/g, ' ')));
    if (next === rest) break;
    rest = next;
  }
  rest = rest.replace(/--[a-z-]+(?:\s+(?!--)[^\s|]+)?…?/g, '').replace(/\|/g, ' ');
  return /[A-Z]/.test(rest);
}
