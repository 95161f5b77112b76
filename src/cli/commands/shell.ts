/** `help`, `version` and `completion`: about the command itself; they never open the store. */
import { ApiError } from '../../kernel';
import { VERSION } from '../../api/model';
import type { Command } from './types';
import { printJson } from '../output';
import { bashCompletion, zshCompletion } from '../completion';
import { commandHelp, globalHelp, groupHelp } from '../help';
import { childrenOf, findCommand, PROGRAM } from '../table';

export function shellCommands(all: () => Command[]): Command[] {
  return [
    {
      path: ['help'],
      area: 'shell',
      usage: 'help [COMMAND…]',
      summary: 'Help for a command or a group of commands (same as COMMAND --help).',
      examples: ['help runs list', 'help audit'],
      argChoices: () => [...new Set(all().map((c) => c.path[0]!))],
      run: async (_ctx, args) => {
        await Promise.resolve();
        const words = args.positionals;
        const found = findCommand(words);
        if (found && found.rest.length === 0) process.stdout.write(`${commandHelp(found.command)}\n`);
        else if (words.length === 0) process.stdout.write(`${globalHelp()}\n`);
        else if (childrenOf(words).length > 0) process.stdout.write(`${groupHelp(words)}\n`);
        else
          throw new ApiError(
            'INVALID_INPUT',
            `There is no command "${words.join(' ').slice(0, 80)}". Run "${PROGRAM} --help" for the list.`,
          );
      },
    },
    {
      path: ['version'],
      area: 'shell',
      usage: 'version',
      summary: `Print the version of ${PROGRAM} (same as --version).`,
      examples: ['version', 'version --json'],
      run: async (ctx) => {
        await Promise.resolve();
        if (ctx.json) return printJson({ version: VERSION });
        process.stdout.write(`${PROGRAM} ${VERSION}\n`);
      },
    },
    {
      path: ['completion'],
      core: 'none',
      area: 'shell',
      usage: 'completion bash|zsh',
      summary: 'Print the shell completion script for bash or zsh.',
      examples: ['completion bash > /etc/bash_completion.d/airgap-runner', 'completion zsh > ~/.zsh/airgap-runner.zsh'],
      argChoices: () => ['bash', 'zsh'],
      run: async (_ctx, args) => {
        await Promise.resolve();
        const shell = args.positionals[0];
        if (shell === undefined) throw new ApiError('INVALID_INPUT', `Name the shell: ${PROGRAM} completion bash|zsh.`);
        process.stdout.write(shell === 'bash' ? bashCompletion() : zshCompletion());
      },
    },
  ];
}
