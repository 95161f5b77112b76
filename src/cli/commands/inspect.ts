/**
 * `task show`, `engine status` and `issues list`: the reads the desktop UI is generated from
 * (tasks.show, engine.status, issues.list), for the terminal too.
 */
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, positional } from '../context';
import { printFields, printJson, printTable } from '../output';

function whole(args: Parameters<Command['run']>[1], name: string, min: number, max: number): number | undefined {
  const text = flag(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ApiError('INVALID_INPUT', `--${name} takes a whole number from ${min} to ${max}.`);
  return n;
}

const SEVERITY = ['', 'critical', 'major', 'minor', 'info'];

export const inspectCommands: Command[] = [
  {
    path: ['task', 'show'],
    area: 'inspect',
    examples: ['task show host-health check-disk-usage'],
    usage: 'task show BUNDLE[@VERSION] TASK',
    summary: "A task's declaration: variables (type, default, pattern, required), secrets and bound vault items, network, limits, policy.",
    run: async (ctx, args) => {
      const usage = 'task show BUNDLE[@VERSION] TASK';
      const bundle = positional(args, 0, 'BUNDLE', usage);
      const task = positional(args, 1, 'TASK', usage);
      const { task: t } = await ctx.call('tasks.show', { bundle, task });
      if (ctx.json) return printJson({ task: t });
      printFields({
        task: `${t.bundle}@${t.version} ${t.id}: ${t.title}`,
        access: t.access,
        tags: t.tags,
        policy: `${t.enabled ? 'enabled' : 'disabled'} (${t.reason})`,
        network: t.network,
        timeout: `${t.timeoutSeconds} s`,
        limits: `${t.resources.cpu} CPU, ${t.resources.memoryMiB} MiB, ${t.resources.pids} processes`,
        reason: t.reasonRequired ? 'required (--reason)' : 'optional',
        approval: t.approvalRequired ? 'required: another operator or an admin approves the run' : 'not required',
      });
      process.stdout.write('\nVariables (--set NAME=VALUE, --file NAME=PATH):\n');
      printTable(
        t.config.map((v) => ({
          ...v,
          type: v.type === 'enum' ? `enum: ${v.enum?.join('|') ?? ''}` : v.type,
          required: v.required ? 'yes' : '',
          sensitive: v.sensitive ? 'yes' : '',
        })),
        ['name', 'type', 'required', 'default', 'pattern', 'example', 'sensitive', 'description'],
      );
      process.stdout.write('\nSecrets (--secret NAME=VAULT_ITEM):\n');
      printTable(
        t.secrets.map((s) => ({ ...s, vaultItems: s.vaultItems ?? '(your roles do not use the vault)' })),
        ['name', 'vaultItems', 'description'],
      );
    },
  },
  {
    path: ['engine', 'status'],
    area: 'inspect',
    examples: ['engine status'],
    usage: 'engine status',
    summary: 'Whether the container engine answers now: Docker or Podman, version, rootless, socket (exit 1 when it does not).',
    run: async (ctx) => {
      const s = await ctx.call('engine.status', {});
      if (ctx.json) printJson(s);
      else if (s.reachable)
        printFields({
          engine: `${s.kind === 'podman' ? 'Podman' : 'Docker'} ${s.version ?? ''}`,
          api: s.apiVersion,
          mode: s.rootless ? 'rootless' : 'rootful',
          socket: s.socket,
        });
      else printFields({ engine: 'not reachable', socket: s.socket ?? '(none found)', why: s.message });
      return s.reachable ? 0 : 1;
    },
  },
  {
    path: ['issues', 'list'],
    area: 'inspect',
    flags: {
      severity: { value: '1-4', help: 'Only this severity or worse (1 critical … 4 info).' },
      since: { value: 'TIME', help: 'Only runs created at or after this time (ISO 8601 with a zone, e.g. 2026-12-01T00:00:00Z).' },
      bundle: { value: 'NAME[@VERSION]', help: 'Only runs of this bundle.' },
      task: { value: 'ID', help: 'Only runs of this task.' },
      open: { help: "Only each task's latest finished run." },
      limit: { value: 'N', help: 'At most N issues (1-1000).' },
    },
    examples: ['issues list --severity 1 --open', 'issues list --bundle host-health --since 2026-12-01T00:00:00Z'],
    usage: 'issues list [--severity 1-4] [--since TIME] [--bundle NAME[@VERSION]] [--task ID] [--open] [--limit N]',
    summary: 'Issues raised by runs, across runs, most severe first (--open: each task’s latest finished run only).',
    run: async (ctx, args) => {
      const input = {
        severity: whole(args, 'severity', 1, 4),
        since: flag(args, 'since'),
        bundle: flag(args, 'bundle'),
        task: flag(args, 'task'),
        latest: flag(args, 'open') === 'true' || undefined,
        limit: whole(args, 'limit', 1, 1000),
      };
      const out = await ctx.call('issues.list', Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
      if (ctx.json) return printJson(out);
      printTable(
        out.issues.map((i) => ({
          severity: SEVERITY[i.severity] ?? i.severity,
          title: i.title,
          nextSteps: i.nextSteps,
          run: i.run.id,
          task: `${i.run.bundle.name}/${i.run.task.id}`,
          created: i.run.createdAt,
        })),
        ['severity', 'title', 'nextSteps', 'run', 'task', 'created'],
      );
      const c = out.counts;
      process.stdout.write(
        `\n${c.critical} critical, ${c.major} major, ${c.minor} minor, ${c.info} info${out.truncated ? ` (first ${out.issues.length} shown; use --limit)` : ''}\n`,
      );
    },
  },
];
