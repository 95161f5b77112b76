/**
 * The command line, read against the command table (table.ts): words and flags may come in any
 * order; an unknown command or flag is refused with the nearest known one ("did you mean --limit?"),
 * as INVALID_INPUT (exit 2).
 */
import { ApiError } from '../kernel';
import type { Command } from './commands/types';
import type { CommandArgs } from './context';
import { childrenOf, commandName, findCommand, flagsOf, PROGRAM, SECRET_FLAGS, takesArguments, takesValue } from './table';

export interface Parsed {
  home?: string;
  user?: string;
  json: boolean;
  help: boolean;
  version: boolean;
  words: string[];
  flags: Map<string, string[]>;
}

/** What the command line asks for: a command to run, or the help of a command or group. */
export type Request =
  | { kind: 'run'; command: Command; args: CommandArgs; parsed: Parsed }
  | { kind: 'help'; path: string[]; parsed: Parsed }
  | { kind: 'version'; parsed: Parsed };

/** Edit distance (insertions, deletions, substitutions and swaps of neighbours). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The nearest candidate: within 2 edits (1 for short words), or one the word starts. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(word.toLowerCase(), name);
    if (!best || d < best.d) best = { name, d };
  }
  if (best && best.d <= (word.length <= 3 ? 1 : 2)) return best.name;
  if (word.length >= 2) return candidates.find((c) => c.startsWith(word.toLowerCase()));
  return undefined;
}

const invalid = (message: string) => new ApiError('INVALID_INPUT', message);

/** Splits argv into words and flags; values are taken for the flags that declare one. */
function split(argv: readonly string[]): Parsed {
  const out: Parsed = { json: false, help: false, version: false, words: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.words.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      out.words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (SECRET_FLAGS.has(name)) {
      throw invalid(
        `Secrets are never taken from arguments (they show in the process list). Use the AIRGAP_RUNNER_* environment variable or the prompt instead of --${name}.`,
      );
    }
    if (name === 'version' && eq < 0) {
      out.version = true;
      continue;
    }
    const valued = takesValue(name);
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (valued === false && value !== undefined) throw invalid(`--${name} takes no value (got "--${name}=${value.slice(0, 40)}").`);
    if (valued === true && value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw invalid(`--${name} needs a value.`);
      value = next;
      i++;
    }
    if (name === 'json') out.json = true;
    else if (name === 'help') out.help = true;
    else if (name === 'home') out.home = value;
    else if (name === 'user') out.user = value;
    else out.flags.set(name, [...(out.flags.get(name) ?? []), value ?? 'true']);
  }
  return out;
}

function unknownCommand(words: readonly string[]): ApiError {
  // The longest known prefix, then the first word that does not fit under it.
  let depth = 0;
  while (depth < words.length && childrenOf(words.slice(0, depth)).includes(words[depth]!)) depth++;
  const prefix = words.slice(0, depth);
  const word = words[depth] ?? '';
  const hint = suggest(word, childrenOf(prefix));
  const where = prefix.length ? `"${PROGRAM} ${prefix.join(' ')}"` : PROGRAM;
  const shown = word.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
  return invalid(
    `Unknown command "${shown}" for ${where}${hint ? `; did you mean "${[...prefix, hint].join(' ')}"?` : '.'} Run "${PROGRAM} ${prefix.length ? `${prefix.join(' ')} ` : ''}--help" for the list.`,
  );
}

/** Refuses flags the command does not declare, naming the nearest one it does. */
function checkFlags(command: Command, flags: Map<string, string[]>): void {
  const known = flagsOf(command);
  for (const [name, values] of flags) {
    const spec = known[name];
    const shown = name.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
    if (!spec) {
      const hint = suggest(name, Object.keys(known));
      throw invalid(
        `Unknown flag --${shown} for "${commandName(command)}"${hint ? `; did you mean --${hint}?` : '.'} Run "${PROGRAM} ${commandName(command)} --help" for its flags.`,
      );
    }
    if (values.length > 1 && !spec.repeat && spec.value !== undefined)
      throw invalid(`--${name} is given ${values.length} times; "${commandName(command)}" takes it once.`);
    if (spec.choices) {
      for (const v of values)
        if (!spec.choices.includes(v))
          throw invalid(`--${name} is one of ${spec.choices.join(', ')} (got "${v.slice(0, 40)}"${suggestValue(v, spec.choices)}).`);
    }
  }
}

function suggestValue(value: string, choices: readonly string[]): string {
  const hint = suggest(value, choices);
  return hint ? `; did you mean ${hint}?` : '';
}

/** The arguments after the command's words, without the global --home/--user options. */
function rawArgsOf(argv: readonly string[], path: readonly string[]): string[] {
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

export function parseCommandLine(argv: readonly string[]): Request {
  const parsed = split(argv);
  if (parsed.version && !parsed.help) return { kind: 'version', parsed };
  if (parsed.words.length === 0) return { kind: 'help', path: [], parsed };
  const found = findCommand(parsed.words);
  if (!found) {
    // A group on its own ("runs") or with --help shows the group's commands.
    if (childrenOf(parsed.words).length > 0 && parsed.flags.size === 0) return { kind: 'help', path: parsed.words, parsed };
    throw unknownCommand(parsed.words);
  }
  const { command, rest } = found;
  // "audit identity genrate": a word under a group that is also a command.
  if (rest.length > 0 && childrenOf(command.path).length > 0 && !takesArguments(command)) throw unknownCommand(parsed.words);
  if (parsed.help) return { kind: 'help', path: command.path, parsed };
  checkFlags(command, parsed.flags);
  if (rest.length > 0 && !takesArguments(command)) {
    const hint = suggest(rest[0]!, childrenOf(command.path.slice(0, -1)));
    throw invalid(
      `"${commandName(command)}" takes no arguments (got "${rest[0]!.slice(0, 40)}")${hint && hint !== command.path.at(-1) ? `; did you mean "${[...command.path.slice(0, -1), hint].join(' ')}"?` : '.'} Usage: ${PROGRAM} ${command.usage}`,
    );
  }
  const choices = command.argChoices?.();
  if (choices && rest[0] !== undefined && !choices.includes(rest[0]))
    throw invalid(
      `"${commandName(command)}" takes one of ${choices.join(', ')} (got "${rest[0].slice(0, 40)}"${suggestValue(rest[0], choices)}).`,
    );
  const args: CommandArgs = command.rawArgs
    ? { positionals: rawArgsOf(argv, command.path), flags: new Map() }
    : { positionals: rest, flags: parsed.flags };
  return { kind: 'run', command, args, parsed };
}

/** --json anywhere before "--": errors are then printed as JSON even when the line does not parse. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
