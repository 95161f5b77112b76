/**
 * `retention show`, `retention set`, `purge` (docs/retention.md). A purge cannot be undone: on a
 * terminal it shows what it would remove and asks; without a terminal it needs --yes.
 */
import { confirmOnTerminal } from '../prompt';
import { ApiError } from '../../kernel';
import type { OpOutput } from '../../api/model';
import type { Command } from './types';
import { flag, type CliContext, type CommandArgs } from '../context';
import { printFields, printJson } from '../output';

type Plan = OpOutput<'retention.show'>['plan'];
const SET_USAGE = 'retention set [--logs-days N] [--reports-days N]';
const PURGE_USAGE = 'purge [--dry-run] [--run ID | --before DATE] [--yes]';

function daysFlag(args: CommandArgs, name: string): number | undefined {
  const text = flag(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new ApiError('INVALID_INPUT', `--${name} takes a whole number of days (0 keeps forever). Usage: ${SET_USAGE}`);
  return n;
}

function kept(days: number): string {
  return days === 0 ? 'forever' : `${days} days after the run ends`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function planFields(plan: Plan): Record<string, unknown> {
  const scope =
    plan.scope === 'run'
      ? `run ${plan.runId}`
      : plan.scope === 'before'
        ? `runs that ended before ${plan.logCutoff}`
        : 'the retention limits';
  return {
    scope,
    logsBefore: plan.scope === 'retention' ? (plan.logCutoff ?? 'never (kept forever)') : '',
    reportsBefore: plan.scope === 'retention' ? (plan.reportCutoff ?? 'never (kept forever)') : '',
    logs: `${count(plan.logs.runs, 'run')}, ${count(plan.logs.lines, 'line')}, ${bytes(plan.logs.bytes)}`,
    reports: `${count(plan.reports.runs, 'run')}, ${bytes(plan.reports.bytes)}`,
    summaries: plan.summaries,
    skippedActive: `${plan.skippedActive} (still waiting, queued or running: never purged)`,
    runs: plan.runIds.length === 0 ? '(none)' : `${plan.runIds.join(' ')}${plan.moreRuns > 0 ? ` and ${plan.moreRuns} more` : ''}`,
  };
}

function scopeInput(args: CommandArgs): { runId?: string; before?: string } {
  const runId = flag(args, 'run');
  const before = flag(args, 'before');
  if (runId && before) throw new ApiError('INVALID_INPUT', `Give --run or --before, not both. Usage: ${PURGE_USAGE}`);
  return { ...(runId ? { runId } : {}), ...(before ? { before } : {}) };
}

async function purge(ctx: CliContext, args: CommandArgs): Promise<void> {
  const input = scopeInput(args);
  const dryRun = flag(args, 'dry-run') === 'true';
  const yes = flag(args, 'yes') === 'true';
  if (dryRun || !yes) {
    const shown = await ctx.call('retention.show', input);
    if (dryRun) {
      if (ctx.json) return printJson(shown.plan);
      printFields(planFields(shown.plan));
      process.stdout.write('Dry run: nothing was removed.\n');
      return;
    }
    if (shown.plan.logs.runs + shown.plan.reports.runs === 0) {
      if (ctx.json) return printJson(shown.plan);
      process.stdout.write('Nothing to purge.\n');
      return;
    }
    if (!process.stdin.isTTY)
      throw new ApiError(
        'INVALID_INPUT',
        'A purge cannot be undone and there is no terminal to confirm on. See what it removes with --dry-run, then add --yes.',
      );
    printFields(planFields(shown.plan));
    if (!(await confirmOnTerminal('Delete this for good? Type "yes" to purge: ')))
      throw new ApiError('CONFLICT', 'Not confirmed; nothing was removed.');
  }
  const done = await ctx.call('retention.purge', input);
  if (ctx.json) return printJson(done);
  const complete = done.vacuumed && done.walTruncated;
  printFields({
    ...planFields(done),
    purgedAt: done.purgedAt,
    store: complete
      ? 'rebuilt (VACUUM), WAL checkpointed and truncated'
      : `NOT complete (${done.vacuumed ? '' : 'not rebuilt; '}${done.walTruncated ? '' : 'WAL not truncated'}): another process has the store open`,
  });
  process.stdout.write(
    `Purged: logs of ${count(done.logs.runs, 'run')} and reports of ${count(done.reports.runs, 'run')} removed for good.\n`,
  );
  if (!complete)
    process.stderr.write(
      'warning: stale copies of the purged text may remain on disk. Close the other Airgap Runner process and run "purge" again.\n',
    );
}

export const retentionCommands: Command[] = [
  {
    path: ['retention', 'show'],
    area: 'retention',
    examples: ['retention show'],
    usage: 'retention show',
    summary: 'How long run logs and reports are kept, and what a purge would remove now (admin).',
    run: async (ctx) => {
      const out = await ctx.call('retention.show', {});
      if (ctx.json) return printJson(out);
      printFields({ runLogs: kept(out.limits.runLogDays), runReports: kept(out.limits.runReportDays), ...planFields(out.plan) });
    },
  },
  {
    path: ['retention', 'set'],
    area: 'retention',
    flags: {
      'logs-days': { value: 'N', help: 'Keep run logs N days after the run ends (0: forever).' },
      'reports-days': { value: 'N', help: 'Keep run reports and issues N days (0: forever).' },
    },
    examples: ['retention set --logs-days 30 --reports-days 365'],
    usage: SET_USAGE,
    summary: 'Change how long run logs and reports are kept, in days; 0 keeps them forever (admin).',
    run: async (ctx, args) => {
      const runLogDays = daysFlag(args, 'logs-days');
      const runReportDays = daysFlag(args, 'reports-days');
      if (runLogDays === undefined && runReportDays === undefined)
        throw new ApiError('INVALID_INPUT', `Give --logs-days, --reports-days or both. Usage: ${SET_USAGE}`);
      const out = await ctx.call('retention.set', { runLogDays, runReportDays });
      if (ctx.json) return printJson(out);
      printFields({ runLogs: kept(out.runLogDays), runReports: kept(out.runReportDays) });
      process.stdout.write('Nothing is removed until an admin purges ("purge --dry-run" shows what would go).\n');
    },
  },
  {
    path: ['purge'],
    area: 'retention',
    flags: {
      'dry-run': { help: 'Show what would be removed; remove nothing.' },
      run: { value: 'ID', help: 'Only this run.' },
      before: { value: 'DATE', help: 'Runs that ended before this date.' },
      yes: { help: 'Do not ask (needed without a terminal).' },
    },
    examples: ['purge --dry-run', 'purge --before 2026-01-01 --yes'],
    usage: PURGE_USAGE,
    summary: 'Delete run logs and reports for good: past the retention limits, one run, or before a date (admin).',
    run: purge,
  },
];
