/**
 * `mirror`, `bundle`, `task`, `trust` and `policy` commands (issue 4; docs/import.md). Registry
 * credentials come from AIRGAP_RUNNER_REGISTRY_USER / AIRGAP_RUNNER_REGISTRY_PASSWORD (or a hidden
 * prompt for the password), never from arguments.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { OpOutput } from '../../api/model';
import { ApiError } from '../../kernel';
import { flag, positional, requireFlag, type CliContext, type CommandArgs } from '../context';
import { neutralise, printFields, printJson, printTable } from '../output';
import { secretFrom } from '../prompt';
import type { Command, FlagSpec } from './types';

async function sourceFlags(
  args: CommandArgs,
): Promise<{ insecure?: boolean; caFile?: string; credentials?: { username: string; password: string } }> {
  const username = process.env.AIRGAP_RUNNER_REGISTRY_USER;
  const ca = flag(args, 'ca');
  return {
    ...(flag(args, 'insecure') === 'true' ? { insecure: true } : {}),
    ...(ca ? { caFile: resolve(ca) } : {}),
    ...(username
      ? { credentials: { username, password: await secretFrom('AIRGAP_RUNNER_REGISTRY_PASSWORD', `Registry password for ${username}: `) } }
      : {}),
  };
}

/** Source paths are resolved here, where the operator's working folder is known. */
function absoluteSource(source: string): string {
  if (source.startsWith('oci:')) return `oci:${resolve(source.slice(4))}`;
  if (source.startsWith('archive:')) return `archive:${resolve(source.slice(8))}`;
  return source;
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Progress on stderr, only when it is a terminal (one line, rewritten). */
function progressPrinter(): {
  listener: (e: {
    stage: string;
    message: string;
    received?: number;
    total?: number;
    layers?: { size: number; received: number }[];
  }) => void;
  end: () => void;
} {
  if (!process.stderr.isTTY) return { listener: () => undefined, end: () => undefined };
  let shown = false;
  return {
    listener: (e) => {
      const layers = e.layers?.length ? `, layers ${e.layers.filter((l) => l.received >= l.size).length} of ${e.layers.length} done` : '';
      const amount = e.total
        ? ` ${human(e.received ?? 0)} / ${human(e.total)} (${Math.floor(((e.received ?? 0) * 100) / e.total)}%)${layers}`
        : '';
      process.stderr.write(`\r\x1b[K${neutralise(`${e.stage}: ${e.message}${amount}`).slice(0, (process.stderr.columns || 100) - 1)}`);
      shown = true;
    },
    end: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

type Summary = OpOutput<'bundles.list'>['bundles'][number];
const bundleRow = (b: Summary) => ({
  name: b.name,
  version: b.version,
  state: b.state,
  tasks: `${b.tasks.enabled}/${b.tasks.total} enabled`,
  digest: b.digest,
  signer: b.signature.signerFingerprint ? `${b.signature.signerFingerprint.slice(0, 16)}…` : b.signature.format,
  imported: `${b.importedAt} ${b.importedBy}`,
});

type TaskRow = OpOutput<'tasks.list'>['tasks'][number];
const taskRow = (t: TaskRow) => ({
  bundle: `${t.bundle}@${t.version}`,
  task: t.id,
  access: t.access,
  tags: t.tags,
  status: t.enabled ? 'enabled' : 'disabled',
  why: t.reason,
});

async function printImport(ctx: CliContext, out: OpOutput<'bundles.import'>): Promise<void> {
  if (ctx.json) return printJson(out);
  const b = out.bundle;
  const verb = out.outcome === 'already-imported' ? 'Already imported' : out.outcome === 'reloaded' ? 'Loaded again' : 'Imported';
  process.stdout.write(`${verb} ${neutralise(b.name)}@${neutralise(b.version)} ${b.digest}\n`);
  printFields({
    image: b.imageId,
    source: `${b.source.location} ${b.source.ref}${b.source.insecure ? ' (insecure)' : ''}`,
    signature: out.signature.signerFingerprint
      ? `${out.signature.format}, key ${out.signature.signerFingerprint}`
      : `none (${out.signature.note ?? 'unsigned'})`,
    size: human(out.bytes || b.size),
  });
  printTable(out.tasks.map(taskRow), ['task', 'access', 'status', 'why']);
  await Promise.resolve();
}

const DRY_RUN: FlagSpec = { help: 'Show the tasks the change would make usable or unusable, and change nothing.' };

/** A tag-policy change previewed: the policy it would give and the tasks it would flip. */
function printPreview(ctx: CliContext, out: OpOutput<'policy.preview'>): void {
  if (ctx.json) return printJson(out);
  process.stdout.write('Nothing changed (dry run). The policy would be:\n');
  printFields({
    allow: out.policy.allow.length ? out.policy.allow : ['(none)'],
    deny: out.policy.deny.length ? out.policy.deny : ['(none)'],
  });
  const row = (t: OpOutput<'policy.preview'>['usable'][number]) => ({ bundle: `${t.bundle}@${t.version}`, task: t.task, why: t.reason });
  for (const [title, list] of [
    ['Tasks it would make usable', out.usable],
    ['Tasks it would make unusable', out.unusable],
  ] as const) {
    process.stdout.write(`\n${title}:${list.length === 0 ? ' none' : ''}\n`);
    if (list.length) printTable(list.map(row), ['bundle', 'task', 'why']);
  }
}

/** The flags that say how to read a mirror source (mirror list, bundle import). */
const SOURCE_FLAGS: Record<string, FlagSpec> = {
  insecure: { help: 'Allow plain HTTP to a registry that is not on loopback (recorded); certificates are still checked.' },
  ca: { value: 'FILE', help: "The site's CA bundle (PEM) for the registry; it replaces the public roots." },
};

export const bundleCommands: Command[] = [
  {
    path: ['mirror', 'list'],
    area: 'catalog',
    flags: {
      ...SOURCE_FLAGS,
      all: { help: 'Also list signature artefacts (cosign .sig, .att, .sbom tags and referrers tags).' },
    },
    examples: ['mirror list oci:/media/usb/mirror', 'mirror list registry://127.0.0.1:5000 samples/host-health --all'],
    usage: 'mirror list SOURCE [REPO] [--all] [--insecure] [--ca FILE]',
    summary:
      'The bundles (repositories and tags) in registry://HOST:PORT[/PREFIX], oci:DIR or archive:FILE; --all adds signature artefacts (operator).',
    run: async (ctx, args) => {
      const usage = 'mirror list SOURCE [REPO] [--all] [--insecure] [--ca FILE]';
      const source = absoluteSource(positional(args, 0, 'SOURCE', usage));
      const repository = args.positionals[1];
      await ctx.signIn();
      const out = await ctx.call('mirror.list', { source, ...(repository ? { repository } : {}), ...(await sourceFlags(args)) });
      // Bundles (images) by default; cosign's .sig/.att/.sbom tags and referrers tags only with --all.
      const all = flag(args, 'all') === 'true';
      const shown = {
        ...out,
        repositories: out.repositories
          .map((r) => ({ ...r, tags: all ? r.tags : r.tags.filter((t) => t.kind === 'image'), had: r.tags.length }))
          .filter((r) => r.tags.length > 0 || r.had === 0)
          .map(({ had: _had, ...r }) => r),
      };
      if (ctx.json) return printJson(shown);
      if (out.source.insecure) process.stderr.write(`note: ${out.source.location} is read over plain HTTP or marked insecure\n`);
      for (const problem of out.source.problems ?? []) process.stderr.write(`warning: ${problem} (left out)\n`);
      printTable(
        shown.repositories.flatMap((r) =>
          r.tags.length
            ? r.tags.map((t) => ({ repository: r.name, tag: t.tag, kind: t.kind, digest: t.digest ?? '' }))
            : [{ repository: r.name, tag: '', kind: '', digest: '' }],
        ),
        [...['repository', 'tag'], ...(all ? ['kind'] : []), ...(repository ? ['digest'] : [])],
      );
      const hidden = out.repositories.reduce((n, r) => n + r.tags.filter((t) => t.kind !== 'image').length, 0);
      if (!all && hidden > 0)
        process.stderr.write(`${hidden} signature artefact${hidden === 1 ? '' : 's'} not shown (--all shows them).\n`);
    },
  },
  {
    path: ['bundle', 'import'],
    area: 'catalog',
    flags: {
      ...SOURCE_FLAGS,
      signature: { value: 'FILE', help: 'A detached cosign signature (with --payload).' },
      payload: { value: 'FILE', help: 'The payload the detached signature signs (with --signature).' },
    },
    examples: ['bundle import oci:/media/usb/mirror samples/host-health:1.0.0'],
    usage: 'bundle import SOURCE REF [--insecure] [--ca FILE] [--signature FILE --payload FILE]',
    summary: 'Import a CodeBundle (REF: repo:tag or repo@sha256:…): verified, policy-checked, loaded (operator).',
    run: async (ctx, args) => {
      const usage = 'bundle import SOURCE REF [--insecure] [--ca FILE] [--signature FILE --payload FILE]';
      const source = absoluteSource(positional(args, 0, 'SOURCE', usage));
      const ref = positional(args, 1, 'REF', usage);
      const signature = flag(args, 'signature');
      const payload = flag(args, 'payload');
      await ctx.signIn();
      const input = {
        source,
        ref,
        ...(await sourceFlags(args)),
        ...(signature ? { signatureFile: resolve(signature) } : {}),
        ...(payload ? { payloadFile: resolve(payload) } : {}),
      };
      const printer = progressPrinter();
      const progressId = randomBytes(8).toString('hex');
      const stop =
        process.stderr.isTTY && !ctx.json
          ? await ctx.subscribe('bundles.importProgress', { progressId }, printer.listener)
          : () => undefined;
      try {
        const out = await ctx.call('bundles.import', { ...input, progressId });
        printer.end();
        await printImport(ctx, out);
      } finally {
        printer.end();
        stop();
      }
    },
  },
  {
    path: ['bundle', 'list'],
    area: 'catalog',
    examples: ['bundle list'],
    usage: 'bundle list',
    summary: 'Imported bundles with their state.',
    run: async (ctx) => {
      const out = await ctx.call('bundles.list', {});
      if (ctx.json) return printJson(out);
      printTable(out.bundles.map(bundleRow), ['name', 'version', 'state', 'tasks', 'digest', 'signer', 'imported']);
    },
  },
  {
    path: ['bundle', 'show'],
    area: 'catalog',
    examples: ['bundle show host-health', 'bundle show host-health@1.0.0 --json'],
    usage: 'bundle show NAME[@VERSION]',
    summary: 'One bundle (newest version unless given) and its tasks.',
    run: async (ctx, args) => {
      const out = await ctx.call('bundles.show', { ref: positional(args, 0, 'NAME[@VERSION]', 'bundle show NAME[@VERSION]') });
      if (ctx.json) return printJson(out);
      const b = out.bundle;
      printFields({
        name: b.name,
        version: b.version,
        state: b.state + (b.reason ? `: ${b.reason}` : ''),
        description: b.description.trim(),
        maintainer: b.maintainer,
        digest: b.digest,
        ...(b.indexDigest ? { index: b.indexDigest } : {}),
        image: b.imageId,
        source: `${b.source.location} ${b.source.ref}${b.source.insecure ? ' (insecure)' : ''}`,
        signature: b.signature.signerFingerprint
          ? `${b.signature.format}, key ${b.signature.signerFingerprint}`
          : 'none (imported while signatures were optional)',
        size: human(b.size),
        imported: `${b.importedAt} by ${b.importedBy}`,
      });
      process.stdout.write('\n');
      printTable(
        out.tasks.map((t) => ({ ...taskRow(t), title: t.title })),
        ['task', 'title', 'access', 'tags', 'status', 'why'],
      );
    },
  },
  {
    path: ['bundle', 'revoke'],
    area: 'catalog',
    flags: { reason: { value: 'TEXT', help: 'Why, for the audit trail.' } },
    examples: ['bundle revoke sha256:0123… --reason "withdrawn by the vendor"'],
    usage: 'bundle revoke DIGEST --reason TEXT',
    summary: 'Revoke a digest: its tasks are disabled at once, and it cannot be imported (admin).',
    run: async (ctx, args) => {
      const usage = 'bundle revoke DIGEST --reason TEXT';
      const out = await ctx.call('bundles.revoke', {
        digest: positional(args, 0, 'DIGEST', usage),
        reason: requireFlag(args, 'reason', usage),
      });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Revoked ${out.revocation.digest}${out.created ? '' : ' (it already was)'}.\n`);
      for (const b of out.affected) process.stdout.write(`  ${neutralise(b.name)}@${neutralise(b.version)}: every task is now disabled\n`);
    },
  },
  {
    path: ['bundle', 'prune'],
    area: 'catalog',
    examples: ['bundle prune'],
    usage: 'bundle prune',
    summary: 'Remove the images of revoked, untrusted or superseded bundles from the engine (operator).',
    run: async (ctx) => {
      const out = await ctx.call('bundles.prune', {});
      if (ctx.json) return printJson(out);
      if (out.removed.length === 0 && out.kept.length === 0) process.stdout.write('Nothing to remove.\n');
      for (const r of out.removed) process.stdout.write(`Removed ${neutralise(r.name)}@${neutralise(r.version)} ${r.imageId} (${r.why})\n`);
      for (const k of out.kept) process.stdout.write(`Kept ${neutralise(k.name)}@${neutralise(k.version)}: ${k.why}\n`);
    },
  },
  {
    path: ['task', 'list'],
    area: 'catalog',
    flags: { bundle: { value: 'NAME', help: 'Only the tasks of this bundle.' } },
    examples: ['task list', 'task list --bundle host-health'],
    usage: 'task list [--bundle NAME]',
    summary: 'Tasks, and whether each may run now and why.',
    run: async (ctx, args) => {
      const bundle = flag(args, 'bundle');
      const out = await ctx.call('tasks.list', bundle ? { bundle } : {});
      if (ctx.json) return printJson(out);
      printTable(out.tasks.map(taskRow), ['bundle', 'task', 'access', 'tags', 'status', 'why']);
    },
  },
  {
    path: ['trust', 'add-key'],
    area: 'trust',
    flags: { comment: { value: 'TEXT', help: 'A note shown in trust list.' } },
    examples: ['trust add-key samples/keys/cosign.pub --comment "vendor release key"'],
    usage: 'trust add-key FILE [--comment TEXT]',
    summary: 'Add a trust root: a PEM public key such as cosign.pub (admin).',
    run: async (ctx, args) => {
      const file = positional(args, 0, 'FILE', 'trust add-key FILE [--comment TEXT]');
      const pem = await readFile(resolve(file), 'utf8').catch(() => {
        throw new ApiError('NOT_FOUND', `The key file ${file} cannot be read.`);
      });
      const comment = flag(args, 'comment');
      const out = await ctx.call('trust.addKey', { pem, ...(comment ? { comment } : {}) });
      if (ctx.json) return printJson(out);
      const what = { added: 'Added', restored: 'Added back', 'already-trusted': 'Already trusted:' }[out.outcome];
      process.stdout.write(`${what} key ${out.key.fingerprint} (${out.key.algorithm}).\n`);
    },
  },
  {
    path: ['trust', 'list'],
    area: 'trust',
    flags: { all: { help: 'Also the removed keys.' } },
    examples: ['trust list', 'trust list --all'],
    usage: 'trust list [--all]',
    summary: 'Trust roots (--all: with removed ones).',
    run: async (ctx, args) => {
      const out = await ctx.call('trust.list', { includeRemoved: flag(args, 'all') === 'true' });
      if (ctx.json) return printJson(out);
      printTable(
        out.keys.map((k) => ({
          ...k,
          added: `${k.addedAt} ${k.addedBy}`,
          removed: k.removedAt ? `${k.removedAt} ${k.removedBy ?? ''}` : '',
        })),
        ['fingerprint', 'algorithm', 'comment', 'added', ...(flag(args, 'all') === 'true' ? ['removed'] : [])],
      );
    },
  },
  {
    path: ['trust', 'remove'],
    area: 'trust',
    examples: ['trust remove 2d19b095637c1212…'],
    usage: 'trust remove FINGERPRINT',
    summary: 'Remove a trust root; bundles it signed are disabled at once (admin).',
    run: async (ctx, args) => {
      const out = await ctx.call('trust.remove', { fingerprint: positional(args, 0, 'FINGERPRINT', 'trust remove FINGERPRINT') });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Removed key ${out.key.fingerprint}.\n`);
      for (const b of out.affected) process.stdout.write(`  ${neutralise(b.name)}@${neutralise(b.version)}: every task is now disabled\n`);
    },
  },
  {
    path: ['policy', 'show'],
    area: 'trust',
    examples: ['policy show'],
    usage: 'policy show',
    summary: 'The tag policy.',
    run: async (ctx) => {
      const out = await ctx.call('policy.show', {});
      if (ctx.json) return printJson(out);
      printFields({
        allow: out.policy.allow.length ? out.policy.allow : ['(none)'],
        deny: out.policy.deny.length ? out.policy.deny : ['(none)'],
      });
    },
  },
  ...(['allow', 'deny'] as const).map((kind): Command => ({
    path: ['policy', kind],
    area: 'trust',
    examples: [`policy ${kind} ${kind === 'allow' ? 'access:read-write' : 'vendor:*'}`, `policy ${kind} --dry-run data:config`],
    usage: `policy ${kind} [--dry-run] TAG…`,
    summary: `${kind === 'allow' ? 'Allow' : 'Deny'} task tags (globs, case-insensitive); takes effect at once (admin).`,
    flags: { 'dry-run': DRY_RUN },
    run: async (ctx, args) => {
      if (args.positionals.length === 0) throw new ApiError('INVALID_INPUT', `Give at least one tag pattern. Usage: policy ${kind} TAG…`);
      if (args.flags.has('dry-run')) return printPreview(ctx, await ctx.call('policy.preview', { change: kind, tags: args.positionals }));
      const out = await ctx.call(kind === 'allow' ? 'policy.allow' : 'policy.deny', { tags: args.positionals });
      if (ctx.json) return printJson(out);
      printFields({
        allow: out.policy.allow.length ? out.policy.allow : ['(none)'],
        deny: out.policy.deny.length ? out.policy.deny : ['(none)'],
      });
    },
  })),
  {
    path: ['policy', 'clear'],
    area: 'trust',
    examples: ['policy clear', 'policy clear --dry-run'],
    usage: 'policy clear [--dry-run]',
    summary: 'Back to the default policy: deny access:read-write (admin).',
    flags: { 'dry-run': DRY_RUN },
    run: async (ctx, args) => {
      if (args.flags.has('dry-run')) return printPreview(ctx, await ctx.call('policy.preview', { change: 'clear' }));
      const out = await ctx.call('policy.clear', {});
      if (ctx.json) return printJson(out);
      printFields({ allow: out.policy.allow.length ? out.policy.allow : ['(none)'], deny: out.policy.deny });
    },
  },
];
