/**
 * `ssh-ca create|import|list|allow|issued|krl` (docs/credentials.md): the site SSH CA whose per-run
 * certificates tasks use to reach hosts. The CA's private key is sent once (import) to be sealed
 * under the vault key, and never printed; `list` prints the public key line for sshd's
 * TrustedUserCAKeys.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, positional, requireFlag } from '../context';
import { printFields, printJson, printTable } from '../output';
import { secretFrom, TOKEN_PIN_ENV } from '../prompt';

const ALLOW_USAGE = 'ssh-ca allow BUNDLE|--tag TAG [PRINCIPAL…] [--force-command CMD] [--source-address LIST]';

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApiError('INVALID_INPUT', `Cannot read the CA key ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

export const sshCaCommands: Command[] = [
  {
    path: ['ssh-ca', 'create'],
    usage: 'ssh-ca create NAME',
    summary: 'Make a new ed25519 SSH CA, its key sealed in the vault; it signs new per-run certificates (admin).',
    area: 'vault',
    examples: ['ssh-ca create site-2026'],
    run: async (ctx, args) => {
      const out = await ctx.call('sshCa.create', { name: positional(args, 0, 'NAME', 'ssh-ca create NAME') });
      if (ctx.json) return printJson(out);
      process.stdout.write(
        `Created the SSH CA ${out.name} (${out.fingerprint}). Add this line to sshd's TrustedUserCAKeys:\n${out.publicKey}\n`,
      );
    },
  },
  {
    path: ['ssh-ca', 'import'],
    usage: 'ssh-ca import NAME --key FILE',
    summary: 'Import an unencrypted ed25519 OpenSSH private key as the SSH CA (admin); sealed in the vault, never shown again.',
    area: 'vault',
    flags: { key: { value: 'FILE', help: "The CA's private key (ssh-keygen -t ed25519 -N '' -f FILE)." } },
    examples: ['ssh-ca import site-2026 --key /media/usb/site-ca'],
    run: async (ctx, args) => {
      const usage = 'ssh-ca import NAME --key FILE';
      const name = positional(args, 0, 'NAME', usage);
      const privateKey = readKey(requireFlag(args, 'key', usage));
      const out = await ctx.call('sshCa.import', { name, privateKey });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Imported the SSH CA ${out.name} (${out.fingerprint}). Remove the key file from where it came from.\n`);
    },
  },
  {
    path: ['ssh-ca', 'token'],
    usage: 'ssh-ca token NAME --module PATH --token LABEL --key-label LABEL [--generate]',
    summary: `Use an EC P-256 key on a PKCS#11 token as the SSH CA (admin); the key never leaves it. PIN: ${TOKEN_PIN_ENV} or a prompt, asked at each use.`,
    area: 'vault',
    flags: {
      module: { value: 'PATH', help: "The token's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so)." },
      token: { value: 'LABEL', help: 'The token label.' },
      'key-label': { value: 'LABEL', help: 'The label of the key pair on the token.' },
      generate: { help: 'Make the key pair on the token first.' },
    },
    examples: ['ssh-ca token site-hsm --module /usr/lib/softhsm/libsofthsm2.so --token site --key-label ssh-ca-2026 --generate'],
    run: async (ctx, args) => {
      const usage = 'ssh-ca token NAME --module PATH --token LABEL --key-label LABEL [--generate]';
      const name = positional(args, 0, 'NAME', usage);
      const ref = {
        module: requireFlag(args, 'module', usage),
        token: requireFlag(args, 'token', usage),
        keyLabel: requireFlag(args, 'key-label', usage),
      };
      await ctx.signIn();
      const pin = await secretFrom(TOKEN_PIN_ENV, `PIN of the token ${ref.token}: `);
      const out = await ctx.call('sshCa.addToken', {
        name,
        ...ref,
        pin,
        ...(flag(args, 'generate') === 'true' ? { generateKey: true } : {}),
      });
      if (ctx.json) return printJson(out);
      process.stdout.write(
        `The SSH CA ${out.name} is on the token ${ref.token} (${out.fingerprint}). Add this line to sshd's TrustedUserCAKeys:\n${out.publicKey}\n`,
      );
    },
  },
  {
    path: ['ssh-ca', 'list'],
    usage: 'ssh-ca list',
    summary: 'SSH CAs (the active one signs) with their public key lines, and the principals each bundle or tag may receive.',
    area: 'vault',
    examples: ['ssh-ca list'],
    run: async (ctx) => {
      const out = await ctx.call('sshCa.list', {});
      if (ctx.json) return printJson(out);
      process.stdout.write('Certificate authorities:\n');
      printTable(out.cas, ['name', 'state', 'storage', 'keyType', 'fingerprint', 'createdAt']);
      for (const ca of out.cas) process.stdout.write(`${ca.publicKey}\n`);
      process.stdout.write('\nPrincipals allowed:\n');
      printTable(
        out.grants.map((g) => ({ ...g, subject: `${g.kind} ${g.subject}` })),
        ['subject', 'principals', 'forceCommand', 'sourceAddress', 'grantedBy'],
      );
    },
  },
  {
    path: ['ssh-ca', 'allow'],
    usage: ALLOW_USAGE,
    summary:
      'Set the principals a bundle (or tag) may receive; only these ever go in its certificates. No principal removes the grant (admin).',
    area: 'vault',
    flags: {
      tag: { value: 'TAG', help: 'Grant to every task with this tag instead of one bundle.' },
      'force-command': { value: 'CMD', help: 'The force-command critical option of its certificates.' },
      'source-address': { value: 'LIST', help: 'The source-address critical option (addresses or CIDR blocks, comma-separated).' },
    },
    examples: ['ssh-ca allow host-health deploy', 'ssh-ca allow --tag data:logs-bulk logreader --source-address 10.20.0.0/16'],
    run: async (ctx, args) => {
      const tag = flag(args, 'tag');
      const subject = tag ?? positional(args, 0, 'BUNDLE', ALLOW_USAGE);
      const principals = args.positionals.slice(tag ? 0 : 1);
      const forceCommand = flag(args, 'force-command');
      const sourceAddress = flag(args, 'source-address');
      const out = await ctx.call('sshCa.allow', {
        kind: tag ? 'tag' : 'bundle',
        subject,
        principals,
        ...(forceCommand ? { forceCommand } : {}),
        ...(sourceAddress ? { sourceAddress } : {}),
      });
      if (ctx.json) return printJson(out);
      if (!out.grant) process.stdout.write(`${tag ? 'Tag' : 'Bundle'} ${subject} may receive no principal now.\n`);
      else printFields({ ...out.grant });
    },
  },
  {
    path: ['ssh-ca', 'issued'],
    usage: 'ssh-ca issued [--run ID]',
    summary: 'Certificates issued for runs: serial, principals, validity.',
    area: 'vault',
    flags: { run: { value: 'ID', help: 'Only those of one run.' } },
    examples: ['ssh-ca issued', 'ssh-ca issued --run r-abc123'],
    run: async (ctx, args) => {
      const run = flag(args, 'run');
      const out = await ctx.call('sshCa.issued', run ? { runId: run } : {});
      if (ctx.json) return printJson(out);
      printTable(out.certificates, ['serial', 'runId', 'credential', 'principals', 'validAfter', 'validBefore', 'ca']);
    },
  },
  {
    path: ['ssh-ca', 'krl'],
    usage: 'ssh-ca krl --out FILE [--serial N]…',
    summary: "Write a key revocation list of the certificates issued here (or the given serials), for sshd's RevokedKeys (admin).",
    area: 'vault',
    flags: {
      out: { value: 'FILE', help: 'The KRL to write; it must not exist yet.' },
      serial: { value: 'N', help: 'Revoke only this serial.', repeat: true },
    },
    examples: ['ssh-ca krl --out /media/usb/airgap.krl'],
    run: async (ctx, args) => {
      const out = requireFlag(args, 'out', 'ssh-ca krl --out FILE [--serial N]…');
      const serials = args.flags.get('serial');
      const krl = await ctx.call('sshCa.krl', serials ? { serials } : {});
      try {
        writeFileSync(out, Buffer.from(krl.krl, 'base64'), { flag: 'wx', mode: 0o644 });
      } catch (error) {
        throw new ApiError('CONFLICT', `Cannot write ${out} (${(error as NodeJS.ErrnoException).code ?? 'error'}); give a new file name.`);
      }
      if (ctx.json) return printJson({ file: out, count: krl.count });
      process.stdout.write(`Wrote ${out}: ${krl.count} certificate(s) revoked. Point sshd's RevokedKeys at it on each host.\n`);
    },
  },
];
