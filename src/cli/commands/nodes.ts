/**
 * `node add|list|show|remove|pin|prune` (docs/remote-engines.md). Keys and certificates come from files;
 * the private key is sent once to be sealed under the vault key and never printed. Without --pin,
 * the node's identity is probed and shown, and pinned only when the admin types "yes" (or --yes).
 */
import { readFileSync } from 'node:fs';
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, flags, positional, requireFlag, type CliContext, type CommandArgs } from '../context';
import { printFields, printJson, printTable } from '../output';
import { confirmOnTerminal } from '../prompt';

const ADD_USAGE =
  'node add NAME --address ssh://USER@HOST[:PORT][/podman.sock] | tcp://HOST:2376 --key FILE [--cert FILE --ca FILE] [--pin FILE|LINE|SHA256] [--label K=V]… [--max-concurrency N] [--yes]';
const PIN_USAGE = 'node pin NAME [--pin FILE|LINE|SHA256] [--yes]';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApiError('INVALID_INPUT', `Cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/** --pin is a file (host key .pub, certificate .pem) or the value itself. */
function pinValue(given: string): string {
  if (/^(ssh-|ecdsa-)/.test(given) || /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(given)) return given;
  return readText(given, 'pinned identity');
}

/** The pin the admin gave, or the probed one once confirmed. */
async function choosePin(ctx: CliContext, args: CommandArgs, address: string, usage: string): Promise<string> {
  const given = flag(args, 'pin');
  if (given) return pinValue(given);
  const seen = await ctx.call('nodes.probe', { address });
  process.stderr.write(`The node at ${seen.address} presents ${seen.description}:\n  ${seen.fingerprint}\n`);
  if (flag(args, 'yes') === 'true') return seen.pin;
  if (!process.stdin.isTTY)
    throw new ApiError('INVALID_INPUT', `Compare the fingerprint out of band, then give it with --pin (or add --yes). Usage: ${usage}`);
  if (!(await confirmOnTerminal('Is this the node\'s identity, checked out of band? Type "yes" to pin it: ')))
    throw new ApiError('CONFLICT', 'Not confirmed; nothing was pinned.');
  return seen.pin;
}

function labelsOf(args: CommandArgs): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of flags(args, 'label')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ApiError('INVALID_INPUT', `A label is KEY=VALUE, not "${pair}".`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

type Shown = Record<string, unknown> & { facts: { engine: string; version: string; rootless: boolean; cgroupVersion: string } };

function describe(node: Shown): Record<string, unknown> {
  const { facts, images, ...rest } = node as Shown & { images: string[] };
  return {
    ...rest,
    engine: `${facts.engine} ${facts.version}${facts.rootless ? ' (rootless)' : ''}, cgroup v${facts.cgroupVersion}`,
    images: images.length,
  };
}

export const nodeCommands: Command[] = [
  {
    path: ['node', 'add'],
    usage: ADD_USAGE,
    summary: 'Enrol a remote Docker or Podman engine with a pinned identity (admin).',
    area: 'nodes',
    flags: {
      address: {
        value: 'URL',
        help: 'ssh://USER@HOST[:PORT] (Docker dial-stdio), ssh://USER@HOST[:PORT]/PATH/podman.sock, or tcp://HOST:2376 (mutual TLS).',
      },
      key: { value: 'FILE', help: 'The client private key (sealed in the store, never shown again).' },
      cert: { value: 'FILE', help: 'The client certificate (tcp:// only).' },
      ca: { value: 'FILE', help: "The CA certificate of the node's server certificate (tcp:// only)." },
      pin: {
        value: 'FILE|LINE|SHA256',
        help: "The identity to pin: a host key .pub or certificate file, the key line, or the certificate's SHA-256 fingerprint (AA:BB:…); else probed and shown.",
      },
      yes: { help: 'Pin the probed identity without asking (check it out of band first).' },
      label: {
        value: 'K=V',
        help: 'A label for placement (segment=dc1-a; read-write=allowed lets read-write tasks run there).',
        repeat: true,
      },
      'max-concurrency': { value: 'N', help: 'Runs at once on this node.' },
    },
    examples: ['node add rack12-docker --address ssh://runner@10.0.12.5 --key ~/.ssh/rack12 --label segment=rack12'],
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', ADD_USAGE);
      const address = requireFlag(args, 'address', ADD_USAGE);
      const privateKey = readText(requireFlag(args, 'key', ADD_USAGE), 'client key');
      const cert = flag(args, 'cert');
      const ca = flag(args, 'ca');
      const max = flag(args, 'max-concurrency');
      await ctx.signIn();
      const pin = await choosePin(ctx, args, address, ADD_USAGE);
      const out = await ctx.call('nodes.add', {
        name,
        address,
        pin,
        privateKey,
        ...(cert ? { cert: readText(cert, 'client certificate') } : {}),
        ...(ca ? { ca: readText(ca, 'CA certificate') } : {}),
        labels: labelsOf(args),
        ...(max ? { maxConcurrency: Number(max) } : {}),
      });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Enrolled ${out.name} (${out.transport}, ${out.fingerprint}).\n`);
      printFields(describe(out));
    },
  },
  {
    path: ['node', 'list'],
    usage: 'node list',
    summary: 'Enrolled nodes: address, state, engine, pinned fingerprint.',
    area: 'nodes',
    examples: ['node list'],
    run: async (ctx) => {
      const out = await ctx.call('nodes.list', {});
      if (ctx.json) return printJson(out);
      printTable(
        out.nodes.map((n) => ({
          ...n,
          engine: `${n.facts.engine} ${n.facts.version}`,
          labels: Object.entries(n.labels).map(([k, v]) => `${k}=${v}`),
        })),
        ['name', 'state', 'transport', 'address', 'engine', 'labels', 'fingerprint'],
      );
    },
  },
  {
    path: ['node', 'show'],
    usage: 'node show NAME',
    summary: 'One node: pinned identity, engine facts, labels, images sent.',
    area: 'nodes',
    examples: ['node show rack12-docker'],
    run: async (ctx, args) => {
      const out = await ctx.call('nodes.show', { name: positional(args, 0, 'NAME', 'node show NAME') });
      if (ctx.json) return printJson(out);
      printFields({ ...describe(out), facts: out.facts, images: out.images });
    },
  },
  {
    path: ['node', 'pin'],
    usage: PIN_USAGE,
    summary: 'Re-pin a node whose host key or certificate changed, after checking it out of band (admin).',
    area: 'nodes',
    flags: {
      pin: {
        value: 'FILE|LINE|SHA256',
        help: "The identity to pin: a host key .pub or certificate file, the key line, or the certificate's SHA-256 fingerprint (AA:BB:…); else probed and shown.",
      },
      yes: { help: 'Pin the probed identity without asking (check it out of band first).' },
    },
    examples: ['node pin rack12-docker --pin rack12_ssh_host_ed25519_key.pub'],
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', PIN_USAGE);
      await ctx.signIn();
      const node = await ctx.call('nodes.show', { name });
      const pin = await choosePin(ctx, args, node.address, PIN_USAGE);
      const out = await ctx.call('nodes.pin', { name, pin });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Pinned ${out.name} to ${out.fingerprint}; it is ${out.state}.\n`);
    },
  },
  {
    path: ['node', 'prune'],
    usage: 'node prune NAME [--yes]',
    summary: 'Remove from a node the images this workstation sent there, except those unfinished runs use (admin).',
    area: 'nodes',
    flags: { yes: { help: 'Prune without asking.' } },
    examples: ['node prune rack12-docker --yes'],
    run: async (ctx, args) => {
      const name = positional(args, 0, 'NAME', 'node prune NAME [--yes]');
      await ctx.signIn();
      const node = await ctx.call('nodes.show', { name });
      if (flag(args, 'yes') !== 'true') {
        if (!process.stdin.isTTY)
          throw new ApiError('INVALID_INPUT', `Add --yes to prune ${node.images.length} image(s) from ${name} without a terminal.`);
        if (!(await confirmOnTerminal(`Remove up to ${node.images.length} image(s) this workstation sent to ${name}? Type "yes": `)))
          throw new ApiError('CONFLICT', 'Not confirmed; nothing was removed.');
      }
      const out = await ctx.call('nodes.prune', { name });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Removed ${out.removed.length} image(s) from ${out.name}.\n`);
      for (const k of out.kept) process.stdout.write(`kept ${k.image}: ${k.why}\n`);
    },
  },
  {
    path: ['node', 'remove'],
    usage: 'node remove NAME',
    summary: 'Remove a node and its sealed credentials (admin).',
    area: 'nodes',
    examples: ['node remove rack12-docker'],
    run: async (ctx, args) => {
      const out = await ctx.call('nodes.remove', { name: positional(args, 0, 'NAME', 'node remove NAME') });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Removed ${out.name}.\n`);
    },
  },
];
