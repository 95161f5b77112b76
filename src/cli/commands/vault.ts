/**
 * `vault …` and `network …`. A vault value comes from a file (--file F) or from stdin, never from an
 * argument (it would show in the process list), and is never printed back.
 */
import { readFileSync } from 'node:fs';
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, positional } from '../context';
import { printFields, printJson, printTable } from '../output';
import { readStdinCapped } from '../prompt';

const MAX_BYTES = 1024 * 1024;

function readStdin(): Promise<Buffer> {
  return readStdinCapped(MAX_BYTES, 'the value', `A vault item holds at most ${MAX_BYTES} bytes.`);
}

function readValueFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ApiError('INVALID_INPUT', `Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

export const vaultCommands: Command[] = [
  {
    path: ['vault', 'add'],
    area: 'vault',
    flags: {
      file: { value: 'F', help: 'Read the value from this file (else from stdin).' },
      replace: { help: 'Replace an existing item of that name.' },
    },
    examples: ['vault add db-password --file ./db-password.txt', 'vault add api-token < token.txt'],
    usage: 'vault add NAME [--file F] [--replace]',
    summary: 'Add a vault item from a file or stdin (admin, operator); never readable back.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'vault add NAME [--file F] [--replace]');
      await ctx.signIn();
      const file = flag(args, 'file');
      const value = file ? readValueFile(file) : await readStdin();
      try {
        const out = await ctx.call('vault.add', { name, value: value.toString('base64'), replace: flag(args, 'replace') === 'true' });
        if (ctx.json) return printJson(out);
        process.stdout.write(
          `${out.replaced ? 'Replaced' : 'Added'} ${out.name} (${out.size} bytes). Bind it to the bundles that may use it: vault bind ${out.name} BUNDLE…\n`,
        );
      } finally {
        value.fill(0);
      }
    },
  },
  {
    path: ['vault', 'list'],
    area: 'vault',
    examples: ['vault list'],
    usage: 'vault list',
    summary: 'Vault items: names, sizes, bound bundles (never values).',
    run: async (ctx) => {
      const out = await ctx.call('vault.list', {});
      if (ctx.json) return printJson(out);
      printTable(out.items, ['name', 'size', 'bundles', 'updatedAt', 'updatedBy']);
    },
  },
  {
    path: ['vault', 'bind'],
    area: 'vault',
    examples: ['vault bind db-password host-health'],
    usage: 'vault bind NAME BUNDLE…',
    summary: 'Allow bundles (by name) to use a vault item.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'vault bind NAME BUNDLE…');
      positional(args, 1, 'BUNDLE', 'vault bind NAME BUNDLE…');
      const out = await ctx.call('vault.bind', { name, bundles: args.positionals.slice(1) });
      if (ctx.json) return printJson(out);
      printFields({ item: out.name, bundles: out.bundles });
    },
  },
  {
    path: ['vault', 'unbind'],
    area: 'vault',
    examples: ['vault unbind db-password host-health'],
    usage: 'vault unbind NAME BUNDLE…',
    summary: 'Stop bundles from using a vault item.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'vault unbind NAME BUNDLE…');
      positional(args, 1, 'BUNDLE', 'vault unbind NAME BUNDLE…');
      const out = await ctx.call('vault.unbind', { name, bundles: args.positionals.slice(1) });
      if (ctx.json) return printJson(out);
      printFields({ item: out.name, bundles: out.bundles });
    },
  },
  {
    path: ['vault', 'remove'],
    area: 'vault',
    examples: ['vault remove db-password'],
    usage: 'vault remove NAME',
    summary: 'Remove a vault item and its bindings.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'vault remove NAME');
      const out = await ctx.call('vault.remove', { name });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Removed ${name}.\n`);
    },
  },
  {
    path: ['vault', 'purpose'],
    usage: 'vault purpose NAME llm [--remove]',
    summary: 'Bind a vault item to a purpose (admin): only an item bound to "llm" may be named in llm.apiKeyVaultItem.',
    area: 'vault',
    flags: { remove: { help: 'Unbind the item from the purpose instead.' } },
    examples: ['vault purpose llm-api-key llm', 'vault purpose llm-api-key llm --remove'],
    run: async (ctx, args) => {
      const usage = 'vault purpose NAME llm [--remove]';
      const name = positional(args, 0, 'NAME', usage);
      const purpose = positional(args, 1, 'the purpose (llm)', usage);
      if (purpose !== 'llm') throw new ApiError('INVALID_INPUT', `The only purpose is "llm" (the LLM endpoint's API key). Usage: ${usage}`);
      const bound = flag(args, 'remove') !== 'true';
      const out = await ctx.call('vault.purpose', { name, purpose, bound });
      if (ctx.json) return printJson(out);
      process.stdout.write(
        bound ? `${name} is bound to the ${purpose} purpose.\n` : `${name} is no longer bound to the ${purpose} purpose.\n`,
      );
    },
  },
];

export const networkCommands: Command[] = [
  {
    path: ['network', 'add'],
    area: 'vault',
    flags: {
      create: { help: 'Create a new internal engine network of that name.' },
      host: { help: "Let tasks use the host's network (an override, recorded)." },
    },
    examples: ['network add monitoring', 'network add lab-net --create'],
    usage: 'network add NAME [--create | --host]',
    summary: 'Let tasks ask for a network (admin): an engine network, --create a new internal one, or --host (override).',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'network add NAME [--create | --host]');
      const out = await ctx.call('networks.add', { name, create: flag(args, 'create') === 'true', host: flag(args, 'host') === 'true' });
      if (ctx.json) return printJson(out);
      printFields(out);
    },
  },
  {
    path: ['network', 'list'],
    area: 'vault',
    examples: ['network list'],
    usage: 'network list',
    summary: 'Networks an admin defined for tasks.',
    run: async (ctx) => {
      const out = await ctx.call('networks.list', {});
      if (ctx.json) return printJson(out);
      printTable(out.networks, ['name', 'kind', 'engineId', 'createdAt', 'createdBy']);
    },
  },
];
