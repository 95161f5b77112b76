import type { CliContext, CommandArgs } from '../context';

/** Where a command is listed in the global help (src/cli/table.ts's AREAS gives the titles and order). */
export type Area =
  | 'setup'
  | 'users'
  | 'catalog'
  | 'trust'
  | 'runs'
  | 'schedules'
  | 'inspect'
  | 'ai'
  | 'vault'
  | 'nodes'
  | 'audit'
  | 'audit-export'
  | 'redaction'
  | 'retention'
  | 'service'
  | 'shell';

/** One flag a command takes. The parser, the help and the shell completion all read this. */
export interface FlagSpec {
  /** What the value is (FILE, N, ID…). Absent: a switch, which takes no value. */
  value?: string;
  help: string;
  /** May be given more than once (`--set A=1 --set B=2`). */
  repeat?: boolean;
  /** The values it takes: checked by the parser, named in the help, offered by the shell completion. */
  choices?: readonly string[];
  /** Values the shell completion offers where the parser checks nothing itself (e.g. a comma list). */
  hints?: readonly string[];
}

export interface Command {
  path: string[];
  area: Area;
  /** The synopsis after "airgap-runner"; every --flag in it is declared in `flags` (a unit test checks). */
  usage: string;
  summary: string;
  /** The flags it takes, besides the global ones (--home, --user, --json, --help). */
  flags?: Record<string, FlagSpec>;
  /** At least one complete command line (without "airgap-runner"), shown by COMMAND --help. */
  examples: string[];
  /** The values of its first argument, for the shell completion (e.g. `completion bash|zsh`). */
  argChoices?: () => readonly string[];
  /** The command parses its own arguments: it gets them untouched as positionals. */
  rawArgs?: boolean;
  /**
   * Which core it needs: by default a running unsealed service when there is one, else this process
   * opens the store; `service` only through a running service (sealed or not); `none` no core at all.
   */
  core?: 'any' | 'service' | 'none';
  /** Resolves with the process exit code when it is not 0 without an error (e.g. `run`: the task failed). */
  run(ctx: CliContext, args: CommandArgs): Promise<void | number>;
}
