import type { CliContext, CommandArgs } from '../context';

export interface Command {
  path: string[];
  usage: string;
  summary: string;
  /** Flags that take no value. */
  booleanFlags?: string[];
  /** The command parses its own arguments: it gets them untouched as positionals. */
  rawArgs?: boolean;
  /** Resolves with the process exit code when it is not 0 without an error (e.g. `run`: the task failed). */
  run(ctx: CliContext, args: CommandArgs): Promise<void | number>;
}
