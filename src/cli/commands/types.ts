import type { CliContext, CommandArgs } from '../context';

export interface Command {
  path: string[];
  usage: string;
  summary: string;
  /** Flags that take no value. */
  booleanFlags?: string[];
  run(ctx: CliContext, args: CommandArgs): Promise<void>;
}
