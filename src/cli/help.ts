/** The help texts, written from the command table: global (grouped by area), per group, per command. */
import type { Command, FlagSpec } from './commands/types';
import { AREAS, COMMANDS, commandName, commandsUnder, GLOBAL_FLAGS, PROGRAM } from './table';

const SUMMARY_COLUMN = 28;

function flagSynopsis(name: string, spec: FlagSpec): string {
  return `--${name}${spec.value ? ` ${spec.value}` : ''}`;
}

function flagLines(flags: Record<string, FlagSpec>): string[] {
  const entries = Object.entries(flags);
  const width = Math.max(...entries.map(([n, s]) => flagSynopsis(n, s).length));
  return entries.map(([name, spec]) => {
    const extras = [spec.choices ? `one of: ${spec.choices.join(', ')}` : '', spec.repeat ? 'may be repeated' : '']
      .filter(Boolean)
      .join('; ');
    return `  ${flagSynopsis(name, spec).padEnd(width)}  ${spec.help}${extras ? ` (${extras})` : ''}`;
  });
}

function commandLines(commands: readonly Command[]): string[] {
  return commands.map((c) => {
    const name = commandName(c);
    return `  ${name.padEnd(SUMMARY_COLUMN - 2)}${name.length > SUMMARY_COLUMN - 3 ? `\n  ${' '.repeat(SUMMARY_COLUMN - 2)}` : ''}${c.summary}`;
  });
}

const FOOTER = [
  'Environment:',
  '  AIRGAP_RUNNER_HOME, AIRGAP_RUNNER_USER, AIRGAP_RUNNER_PASSWORD (else a hidden prompt); secrets are never taken',
  '  from arguments. NO_COLOR turns colour off; colour and progress are shown only on a terminal.',
];

export function globalHelp(): string {
  const lines = [
    `Usage: ${PROGRAM} [--home DIR] [--user NAME] COMMAND [ARGS] [--json]`,
    '',
    'Run signed CodeBundles from an offline mirror in hardened local containers.',
  ];
  for (const area of AREAS) {
    const commands = COMMANDS.filter((c) => c.area === area.id);
    if (commands.length === 0) continue;
    lines.push('', `${area.title}:`, ...commandLines(commands));
  }
  lines.push('', 'Global flags:', ...flagLines({ ...GLOBAL_FLAGS, version: { help: 'Print the version.' } }), '', ...FOOTER, '');
  lines.push(`Run "${PROGRAM} COMMAND --help" for a command's flags and an example.`);
  return lines.join('\n');
}

export function groupHelp(prefix: readonly string[]): string {
  const commands = commandsUnder(prefix);
  return [
    `Usage: ${PROGRAM} ${prefix.join(' ')} COMMAND [ARGS] [--json]`,
    '',
    'Commands:',
    ...commandLines(commands),
    '',
    `Run "${PROGRAM} ${prefix.join(' ')} COMMAND --help" for a command's flags and an example.`,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const lines = [command.summary, '', `Usage: ${PROGRAM} ${command.usage}`];
  if (command.flags && Object.keys(command.flags).length > 0) lines.push('', 'Flags:', ...flagLines(command.flags));
  lines.push('', 'Global flags:', ...flagLines(GLOBAL_FLAGS));
  const sub = commandsUnder(command.path);
  if (sub.length > 0) lines.push('', 'Commands:', ...commandLines(sub));
  lines.push('', command.examples.length > 1 ? 'Examples:' : 'Example:', ...command.examples.map((e) => `  ${PROGRAM} ${e}`));
  return lines.join('\n');
}
