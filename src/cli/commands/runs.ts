/**
 * `run` and `runs …`. The CLI is one process per command, so `run` takes the runner lease (LOCKED
 * when another process holds it) and stays until its run is settled (`runs.wait`): it waits in the
 * queue, waits for an approval another process gives (`runs approve ID`; the waiting process reads
 * it from the store), streams the log with --follow, and exits 0 only when the task succeeded.
 * Everything goes through the contract; the command's end closes the core, which stops the runner.
 */
import { resolve } from 'node:path';
import { ApiError } from '../../kernel';
import { type OpOutput, RUN_STATES } from '../../api/model';
import { withTokenPin } from '../prompt';
import type { Command } from './types';
import { summaryCommands } from './summaries';
import { flag, flags, positional, type CliContext, type CommandArgs } from '../context';
import { neutralise, printFields, printJson, printTable } from '../output';

/** Exit codes of `run` when the task did not succeed (API errors keep theirs, 1-10). */
export const RUN_EXIT_CODES = { succeeded: 0, failed: 11, 'timed-out': 12, cancelled: 13, interrupted: 14, error: 15 } as const;

const RUN_USAGE =
  'run BUNDLE TASK [--set NAME=VALUE]… [--file NAME=PATH]… [--secret NAME=VAULT_ITEM]… [--reason TEXT] [--node NAME] [--placement K=V]… [--retry-elsewhere] [--follow]';

function pairs(args: CommandArgs, name: string, mapValue: (v: string) => string = (v) => v): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of flags(args, name)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ApiError('INVALID_INPUT', `--${name} takes NAME=VALUE (got "${item.slice(0, 80)}"). Usage: ${RUN_USAGE}`);
    const key = item.slice(0, eq);
    if (Object.hasOwn(out, key)) throw new ApiError('INVALID_INPUT', `--${name} ${key} is given twice.`);
    out[key] = mapValue(item.slice(eq + 1));
  }
  return out;
}

/** The task's values from --set, --file (made absolute) and --secret, as runs.start and schedules.add take them. */
export function taskValues(args: CommandArgs) {
  return {
    values: pairs(args, 'set'),
    files: pairs(args, 'file', (p) => resolve(p)),
    secrets: pairs(args, 'secret'),
    reason: flag(args, 'reason'),
  };
}

function limitOf(args: CommandArgs): number | undefined {
  const text = flag(args, 'limit');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ApiError('INVALID_INPUT', '--limit takes a whole number of at least 1.');
  return n;
}

type LogEvent = { seq: number; time: string; stream: string; text: string; continues?: boolean };

function printLogLine(line: LogEvent, toStderr: boolean): void {
  const text = `${line.time.slice(11, 23)} ${line.stream.padEnd(6)} ${line.text}${line.continues ? ' ⏎' : ''}\n`;
  (toStderr ? process.stderr : process.stdout).write(text);
}

/** "log on 2026-…Z by user:ada; issues and report on …" (docs/retention.md). */
function purgedText(p: OpOutput<'runs.show'>['purged']): string {
  const part = (what: string, m: { at: string; by: string } | null) => (m ? [`${what} on ${m.at} by ${m.by}`] : []);
  return [...part('log', p.logs), ...part('issues and report', p.report)].join('; ');
}

/** "K of T bytes kept" once the runner counted the output; what is stored so far otherwise. */
function logText(run: OpOutput<'runs.show'>): string {
  const { log } = run;
  if (log.complete) return `${log.keptBytes} of ${log.totalBytes} bytes kept${log.truncated ? ' (truncated)' : ''}`;
  if (run.state !== 'finished') return `${log.keptBytes} bytes stored so far (the run is ${run.state})`;
  return `${log.keptBytes} bytes stored (the runner stopped before it counted the whole output)`;
}

function printRun(run: OpOutput<'runs.show'>): void {
  printFields({
    id: run.id,
    bundle: `${run.bundle.name}@${run.bundle.version} (${run.bundle.digest})`,
    task: `${run.task.id} (${run.task.access})`,
    startedBy: run.startedBy,
    reason: run.reason ?? '',
    state: run.state,
    outcome: run.outcome ?? '',
    exitCode: run.exitCode ?? '',
    approvedBy: run.approvedBy ?? (run.approvalRequired ? '(waiting)' : ''),
    created: run.createdAt,
    started: run.startedAt ?? '',
    ended: run.endedAt ?? '',
    config: JSON.stringify(run.config),
    node: run.node ?? '',
    ...(run.placement
      ? {
          placement: `${
            Object.entries(run.placement.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || 'named node'
          }${run.placement.retryElsewhere ? ', retry elsewhere' : ''}`,
        }
      : {}),
    ...(run.retryOf ? { retryOf: run.retryOf } : {}),
    sandbox: run.sandbox
      ? `${run.sandbox.engine} ${run.sandbox.engineVersion}${run.sandbox.rootless ? ' rootless' : ''}, network ${run.sandbox.network}, user ${run.sandbox.user}, ` +
        `cpu ${run.sandbox.limits.cpu}, ${run.sandbox.limits.memoryMiB} MiB, pids ${run.sandbox.limits.pids}, timeout ${run.sandbox.limits.timeoutSeconds} s, image ${run.sandbox.imageId}`
      : '',
    log: logText(run),
    error: run.error ?? '',
    ...(run.purged.logs || run.purged.report ? { purged: purgedText(run.purged) } : {}),
  });
  if (run.issueList.length > 0) {
    process.stdout.write('\nIssues:\n');
    printTable(run.issueList, ['severity', 'title', 'actual', 'nextSteps']);
  }
  if (run.report.length > 0) {
    process.stdout.write('\nReport:\n');
    for (const block of run.report)
      process.stdout.write(
        `${block.obj
          .split('\n')
          .map((l) => `  ${neutralise(l.replace(/\t/g, '    '))}`)
          .join('\n')}\n`,
      );
  }
  for (const w of run.warnings) process.stdout.write(`warning: ${neutralise(w)}\n`);
}

async function runCommand(ctx: CliContext, args: CommandArgs): Promise<number> {
  const bundle = positional(args, 0, 'BUNDLE', RUN_USAGE);
  const task = positional(args, 1, 'TASK', RUN_USAGE);
  const follow = flag(args, 'follow') === 'true';
  await ctx.signIn();
  const input = {
    bundle,
    task,
    ...taskValues(args),
    node: flag(args, 'node'),
    placement: pairs(args, 'placement'),
    ...(flag(args, 'retry-elsewhere') === 'true' ? { retryElsewhere: true } : {}),
  };
  // A task with an SSH certificate from a CA on a token: the PIN is asked, once, only then.
  const started = await withTokenPin((tokenPin) => ctx.call('runs.start', { ...input, ...(tokenPin ? { tokenPin } : {}) }));
  const id = started.id;
  process.stderr.write(
    started.state === 'awaiting-approval'
      ? `Run ${id} waits for approval (two-person rule): another operator or an admin runs "airgap-runner runs approve ${id}". Ctrl-C cancels it.\n`
      : `Run ${id} ${started.state}.\n`,
  );
  let stopFollowing = () => {};
  if (follow) stopFollowing = await ctx.subscribe('runs.log', { id }, (line) => printLogLine(line, ctx.json));
  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted === 1) {
      process.stderr.write(`Cancelling ${id}…\n`);
      void ctx.call('runs.cancel', { id }).catch(() => undefined);
    } else {
      void ctx.link.stopRunner('the operator interrupted the run command twice');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await ctx.call('runs.wait', { id });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopFollowing();
  }
  const run = await ctx.call('runs.show', { id });
  if (ctx.json) printJson(run);
  else {
    process.stdout.write('\n');
    printRun(run);
  }
  return run.outcome ? RUN_EXIT_CODES[run.outcome] : RUN_EXIT_CODES.error;
}

export const runCommands: Command[] = [
  {
    path: ['run'],
    area: 'runs',
    flags: {
      set: { value: 'NAME=VALUE', help: 'A variable of the task.', repeat: true },
      file: { value: 'NAME=PATH', help: "A variable's value from a file.", repeat: true },
      secret: { value: 'NAME=VAULT_ITEM', help: 'A secret of the task from a vault item, by name.', repeat: true },
      reason: { value: 'TEXT', help: 'Why (required for read-write tasks).' },
      node: { value: 'NAME', help: 'Run on this enrolled remote engine (node list) instead of this workstation.' },
      placement: {
        value: 'K=V',
        help: "Run on an enrolled node carrying this label (besides the task's own placement); the least loaded one that fits.",
        repeat: true,
      },
      'retry-elsewhere': { help: 'A read-only task whose node stops answering runs again on another node that fits.' },
      follow: { help: 'Print the log while it runs.' },
    },
    examples: [
      'run host-health check-disk-usage --follow',
      'run host-health check-disk-usage --node rack12-docker',
      'run host-health check-disk-usage --placement segment=dc2 --retry-elsewhere',
      'run host-health restart-service --set SERVICE_NAME=nginx.service --reason "INC-1234"',
    ],
    usage: RUN_USAGE,
    summary: 'Run a task (operator); waits until it ends; exit 0 when the task succeeded.',
    run: runCommand,
  },
  {
    path: ['runs', 'list'],
    area: 'runs',
    flags: {
      state: { value: 'STATE', help: 'Only runs in this state.', choices: RUN_STATES },
      limit: { value: 'N', help: 'At most N runs (1-1000).' },
    },
    examples: ['runs list', 'runs list --state running --limit 20'],
    usage: 'runs list [--state STATE] [--limit N]',
    summary: 'Recent runs, newest first, and who holds the runner lease.',
    run: async (ctx, args) => {
      const out = await ctx.call('runs.list', { state: flag(args, 'state'), limit: limitOf(args) });
      if (ctx.json) return printJson(out);
      printTable(
        out.runs.map((r) => ({ ...r, bundle: `${r.bundle.name}@${r.bundle.version}`, task: r.task.id, outcome: r.outcome ?? '' })),
        ['id', 'state', 'outcome', 'bundle', 'task', 'startedBy', 'createdAt', 'issues'],
      );
      process.stdout.write(`\nrunner lease: ${out.runner.held ? `held (${out.runner.holder})` : 'free'}\n`);
    },
  },
  {
    path: ['runs', 'show'],
    area: 'runs',
    examples: ['runs show r-0123456789ab'],
    usage: 'runs show ID',
    summary: 'A run: config (secret names only), sandbox, outcome, issues, report.',
    run: async (ctx, args) => {
      const run = await ctx.call('runs.show', { id: positional(args, 0, 'ID', 'runs show ID') });
      if (ctx.json) return printJson(run);
      printRun(run);
    },
  },
  {
    path: ['runs', 'logs'],
    area: 'runs',
    flags: { follow: { help: 'Keep printing until the run ends.' } },
    examples: ['runs logs r-0123456789ab --follow'],
    usage: 'runs logs ID [--follow]',
    summary: "A run's stored log; --follow keeps printing until the run ends.",
    run: async (ctx, args) => {
      const id = positional(args, 0, 'ID', 'runs logs ID [--follow]');
      let after = 0;
      for (;;) {
        const out = await ctx.call('runs.logs', { id, afterSeq: after, limit: 5000 });
        for (const line of out.lines) {
          if (ctx.json) process.stdout.write(`${JSON.stringify(line)}\n`);
          else printLogLine(line, false);
          after = line.seq;
        }
        if (out.lines.length === 5000) continue;
        if (out.finished || flag(args, 'follow') !== 'true') return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
  },
  {
    path: ['runs', 'approve'],
    area: 'runs',
    examples: ['runs approve r-0123456789ab'],
    usage: 'runs approve ID',
    summary: "Approve another user's read-write run that waits for approval (operator, admin).",
    run: async (ctx, args) => {
      const out = await ctx.call('runs.approve', { id: positional(args, 0, 'ID', 'runs approve ID') });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Approved ${out.id}; the process that started it runs it now.\n`);
    },
  },
  {
    path: ['runs', 'cancel'],
    area: 'runs',
    examples: ['runs cancel r-0123456789ab'],
    usage: 'runs cancel ID',
    summary: 'Cancel a run (operators their own, admins any); a running container is killed.',
    run: async (ctx, args) => {
      const out = await ctx.call('runs.cancel', { id: positional(args, 0, 'ID', 'runs cancel ID') });
      if (ctx.json) return printJson(out);
      const text = {
        cancelled: 'cancelled',
        requested: 'cancel requested; the process running it stops it within a second',
        'already-finished': 'already finished',
      }[out.result];
      process.stdout.write(`${out.id}: ${text}.\n`);
    },
  },
  // `runs summarise` and `runs summaries` (docs/llm.md).
  ...summaryCommands,
];
