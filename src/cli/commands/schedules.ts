/**
 * `schedule …` (docs/schedules.md): a task with its values on a cron or an interval, in an explicit
 * time zone, with blackouts, jitter and a missed-runs policy. The schedule fires in the process that
 * holds the runner lease and is unlocked (the desktop app today); these commands only change and
 * show the sealed table.
 */
import { ApiError } from '../../kernel';
import { WEEKDAY_NAMES, type OpInput, type OpOutput } from '../../api/model';
import type { Command } from './types';
import { taskValues } from './runs';
import { flag, flags, positional, requireFlag, type CommandArgs } from '../context';
import { printFields, printJson, printTable } from '../output';

const ADD_USAGE =
  'schedule add BUNDLE TASK (--cron EXPR | --every DURATION) --tz ZONE [--name TEXT] [--set NAME=VALUE]… [--file NAME=PATH]… [--secret NAME=VAULT_ITEM]… [--reason TEXT] [--jitter DURATION] [--missed once|skip] [--blackout-date DATES]… [--blackout-range FROM/TO]… [--blackout-weekly DAYS@HH:MM-HH:MM]…';

/** The flags add and edit share (edit keeps what is not given). */
const SCHEDULE_FLAGS = {
  cron: { value: 'EXPR', help: 'Five cron fields: minute hour day-of-month month day-of-week.' },
  every: { value: 'DURATION', help: 'An interval instead: 90s, 15m, 2h, 1d (at least 60 s).' },
  tz: { value: 'ZONE', help: 'The IANA time zone the cron and blackouts are read in (e.g. Europe/Berlin, UTC).' },
  name: { value: 'TEXT', help: 'A name to know it by (default: BUNDLE TASK).' },
  set: { value: 'NAME=VALUE', help: 'A variable of the task.', repeat: true },
  file: { value: 'NAME=PATH', help: "A variable's value from a file.", repeat: true },
  secret: { value: 'NAME=VAULT_ITEM', help: 'A secret of the task from a vault item, by name.', repeat: true },
  reason: { value: 'TEXT', help: 'Why (required for read-write tasks).' },
  jitter: { value: 'DURATION', help: 'Start up to this much later, the same for each occurrence (default 0).' },
  missed: {
    value: 'POLICY',
    help: 'Occurrences missed while no unlocked runner was up: run once, or skip.',
    choices: ['once', 'skip'],
  },
  'blackout-date': { value: 'DATES', help: 'Local days with no runs, comma-separated YYYY-MM-DD.', repeat: true },
  'blackout-range': { value: 'FROM/TO', help: 'A range of time with no runs (times with offsets).', repeat: true },
  'blackout-weekly': {
    value: 'DAYS@HH:MM-HH:MM',
    help: 'A recurring window with no runs, e.g. sat@22:00-04:00 or daily@01:00-02:00.',
    repeat: true,
  },
} satisfies Command['flags'];

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90s", "15m", "2h", "1d" -> seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new ApiError('INVALID_INPUT', `${what} is a number and a unit: 90s, 15m, 2h or 1d (got "${text.slice(0, 40)}").`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

type Blackouts = NonNullable<OpInput<'schedules.add'>['blackouts']>;

/** `sat@22:00-04:00`, `mon,tue@01:00-02:00`, `daily@01:00-02:00`. */
function weekly(text: string): Blackouts[number] {
  const m = /^([a-z,]+)@(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(text.trim().toLowerCase());
  const days = m?.[1] === 'daily' ? [] : (m?.[1]?.split(',') ?? []);
  if (!m || days.some((d) => !(WEEKDAY_NAMES as readonly string[]).includes(d))) {
    throw new ApiError(
      'INVALID_INPUT',
      `--blackout-weekly takes DAYS@HH:MM-HH:MM, days from ${WEEKDAY_NAMES.join(',')} or "daily" (e.g. sat@22:00-04:00); got "${text.slice(0, 60)}".`,
    );
  }
  return { kind: 'weekly', days: days as Array<(typeof WEEKDAY_NAMES)[number]>, start: m[2]!, end: m[3]! };
}

function blackoutsOf(args: CommandArgs): Blackouts {
  const out: Blackouts = [];
  for (const d of flags(args, 'blackout-date')) out.push({ kind: 'dates', dates: d.split(',').map((x) => x.trim()) });
  for (const r of flags(args, 'blackout-range')) {
    const [from, to, extra] = r.split('/');
    if (!from || !to || extra !== undefined)
      throw new ApiError(
        'INVALID_INPUT',
        '--blackout-range takes FROM/TO, two times with offsets, e.g. 2026-12-24T18:00+01:00/2026-12-27T08:00+01:00.',
      );
    out.push({ kind: 'range', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  }
  for (const w of flags(args, 'blackout-weekly')) out.push(weekly(w));
  return out;
}

function whenText(s: OpOutput<'schedules.list'>['schedules'][number]): string {
  const t = s.timing;
  return t.kind === 'cron' ? `cron "${t.cron}" ${t.timeZone}` : `every ${t.everySeconds} s (${t.timeZone})`;
}

const EDIT_USAGE =
  'schedule edit ID [--cron EXPR | --every DURATION] [--tz ZONE] [--name TEXT] [--set NAME=VALUE]… [--unset NAME]… [--file NAME=PATH]… [--secret NAME=VAULT_ITEM]… [--reason TEXT] [--jitter DURATION] [--missed once|skip] [--blackout-date DATES]… [--blackout-range FROM/TO]… [--blackout-weekly DAYS@HH:MM-HH:MM]… [--no-blackouts]';

type ScheduleOut = OpOutput<'schedules.show'>['schedule'];

/**
 * What `schedule edit` sends: the schedule as it is, with what the flags give over it. Values,
 * files and secrets given replace those of the same name (--unset drops one); blackout flags, or
 * --no-blackouts, replace the whole list; --cron or --every replaces the timing.
 */
export function editedSchedule(s: ScheduleOut, args: CommandArgs): OpInput<'schedules.update'> {
  const cron = flag(args, 'cron');
  const every = flag(args, 'every');
  if (cron !== undefined && every !== undefined)
    throw new ApiError('INVALID_INPUT', `Give --cron or --every, not both. Usage: ${EDIT_USAGE}`);
  const given = taskValues(args);
  const values = { ...s.config.values, ...given.values };
  const files = { ...s.config.files, ...given.files };
  for (const name of flags(args, 'unset')) {
    if (!(name in values) && !(name in files))
      throw new ApiError('INVALID_INPUT', `--unset ${name}: the schedule gives no value for ${name}.`);
    delete values[name];
    delete files[name];
  }
  const newBlackouts = blackoutsOf(args);
  if (args.flags.has('no-blackouts') && newBlackouts.length > 0)
    throw new ApiError('INVALID_INPUT', '--no-blackouts removes every blackout: give it without --blackout-… flags.');
  const jitter = flag(args, 'jitter');
  const missed = flag(args, 'missed');
  const timing =
    cron !== undefined
      ? { cron }
      : every !== undefined
        ? { everySeconds: parseDuration(every, '--every') }
        : s.timing.kind === 'cron'
          ? { cron: s.timing.cron }
          : { everySeconds: s.timing.everySeconds };
  return {
    id: s.id,
    name: flag(args, 'name') ?? s.name,
    bundle: s.bundle,
    task: s.task,
    values,
    files,
    secrets: { ...s.config.secrets, ...given.secrets },
    reason: given.reason ?? s.reason ?? undefined,
    ...timing,
    timeZone: flag(args, 'tz') ?? s.timing.timeZone,
    jitterSeconds: jitter === undefined ? s.jitterSeconds : parseDuration(jitter, '--jitter'),
    missed: missed === undefined ? s.missed : missed === 'skip' ? 'skip' : 'once',
    blackouts: newBlackouts.length > 0 || args.flags.has('no-blackouts') ? newBlackouts : s.blackouts,
  };
}

/** What a schedule's change or creation means for the operator, in one line. */
function savedText(out: ScheduleOut, verb: 'added' | 'changed'): string {
  return out.status === 'awaiting-approval'
    ? `Schedule ${out.id} ${verb}; it waits for approval (two-person rule): another operator or an admin runs "airgap-runner schedule approve ${out.id}".\n`
    : `Schedule ${out.id} ${verb}; next occurrence ${out.next ?? '(none)'}. It fires while the desktop app (or the service) holds the runner lease and is unlocked.\n`;
}

const byId = (verb: 'pause' | 'resume' | 'approve' | 'remove', summary: string): Command => ({
  path: ['schedule', verb],
  area: 'schedules',
  usage: `schedule ${verb} ID`,
  summary,
  examples: [`schedule ${verb} s-0123456789`],
  run: async (ctx, args) => {
    const id = positional(args, 0, 'ID', `schedule ${verb} ID`);
    const op = (
      { pause: 'schedules.pause', resume: 'schedules.resume', approve: 'schedules.approve', remove: 'schedules.remove' } as const
    )[verb];
    const out = await ctx.call(op, { id });
    if (ctx.json) return printJson(out);
    process.stdout.write('status' in out ? `${out.id}: ${out.status}${out.next ? `, next ${out.next}` : ''}.\n` : `${out.id}: removed.\n`);
  },
});

export const scheduleCommands: Command[] = [
  {
    path: ['schedule', 'add'],
    area: 'schedules',
    usage: ADD_USAGE,
    summary: 'Schedule a task with its values (operators); a read-write task waits for another operator to approve the schedule.',
    flags: SCHEDULE_FLAGS,
    examples: [
      'schedule add host-health check-disk-usage --every 15m --tz UTC --jitter 60s',
      'schedule add host-health check-disk-usage --cron "30 2 * * *" --tz Europe/Berlin --blackout-weekly sat@22:00-04:00 --missed skip',
    ],
    run: async (ctx, args) => {
      const bundle = positional(args, 0, 'BUNDLE', ADD_USAGE);
      const task = positional(args, 1, 'TASK', ADD_USAGE);
      const every = flag(args, 'every');
      const jitter = flag(args, 'jitter');
      const missed = flag(args, 'missed');
      const out = await ctx.call('schedules.add', {
        name: flag(args, 'name') ?? `${bundle} ${task}`,
        bundle,
        task,
        ...taskValues(args),
        cron: flag(args, 'cron'),
        everySeconds: every === undefined ? undefined : parseDuration(every, '--every'),
        timeZone: requireFlag(args, 'tz', ADD_USAGE),
        jitterSeconds: jitter === undefined ? 0 : parseDuration(jitter, '--jitter'),
        missed: missed === 'skip' ? 'skip' : 'once',
        blackouts: blackoutsOf(args),
      });
      if (ctx.json) return printJson(out);
      process.stdout.write(savedText(out, 'added'));
    },
  },
  {
    path: ['schedule', 'edit'],
    area: 'schedules',
    usage: EDIT_USAGE,
    summary:
      "Change a schedule you own: what is not given stays as it is. A read-write task's schedule waits for another operator's approval again.",
    flags: {
      ...SCHEDULE_FLAGS,
      unset: { value: 'NAME', help: "Drop a variable's value (the task's default applies).", repeat: true },
      'no-blackouts': { help: 'Remove every blackout window.' },
    },
    examples: [
      'schedule edit s-0123456789 --cron "0 3 * * 1-5" --tz Europe/Berlin',
      'schedule edit s-0123456789 --every 30m --jitter 2m --no-blackouts',
      'schedule edit s-0123456789 --set THRESHOLD=90 --blackout-weekly sat@22:00-04:00',
    ],
    run: async (ctx, args) => {
      const id = positional(args, 0, 'ID', EDIT_USAGE);
      const { schedule } = await ctx.call('schedules.show', { id, limit: 1 });
      const out = await ctx.call('schedules.update', editedSchedule(schedule, args));
      if (ctx.json) return printJson(out);
      process.stdout.write(savedText(out, 'changed'));
    },
  },
  {
    path: ['schedule', 'list'],
    area: 'schedules',
    usage: 'schedule list',
    summary: 'Schedules with their status, next occurrence and last run.',
    examples: ['schedule list', 'schedule list --json'],
    run: async (ctx) => {
      const out = await ctx.call('schedules.list', {});
      if (ctx.json) return printJson(out);
      printTable(
        out.schedules.map((s) => ({
          ...s,
          when: whenText(s),
          task: `${s.bundle} ${s.task}`,
          next: s.next ?? '',
          lastRun: s.lastRunId ?? '',
        })),
        ['id', 'name', 'status', 'task', 'when', 'next', 'lastRun', 'owner'],
      );
      if (out.scheduler.problem) process.stderr.write(`The scheduler fires nothing: ${out.scheduler.problem}\n`);
    },
  },
  {
    path: ['schedule', 'show'],
    area: 'schedules',
    usage: 'schedule show ID',
    summary: 'One schedule and its latest occurrences: started, skipped (why) or failed.',
    examples: ['schedule show s-0123456789'],
    run: async (ctx, args) => {
      const out = await ctx.call('schedules.show', { id: positional(args, 0, 'ID', 'schedule show ID') });
      if (ctx.json) return printJson(out);
      const s = out.schedule;
      printFields({
        id: s.id,
        name: s.name,
        status: s.status,
        task: `${s.bundle} ${s.task} (${s.access})`,
        when: whenText(s),
        blackouts: s.blackouts.map((b) =>
          b.kind === 'dates'
            ? b.dates.join(',')
            : b.kind === 'range'
              ? `${b.from}/${b.to}`
              : `${b.days.join(',') || 'daily'}@${b.start}-${b.end}`,
        ),
        jitter: `${s.jitterSeconds} s`,
        missed: s.missed,
        owner: s.owner,
        approvedBy: s.approvedBy ?? (s.approvalRequired ? '(waiting)' : ''),
        next: s.next ?? '',
      });
      process.stdout.write('\nOccurrences:\n');
      printTable(
        out.events.map((e) => ({ ...e, reason: e.reason ?? '', runId: e.runId ?? '' })),
        ['occurrence', 'result', 'runId', 'reason'],
      );
    },
  },
  byId('pause', 'Pause a schedule (any operator): nothing fires until its owner resumes it.'),
  byId('resume', 'Resume a schedule you own; occurrences while it was paused are not run.'),
  byId('approve', "Approve another operator's schedule of a read-write task (two-person rule)."),
  byId('remove', 'Remove a schedule you own.'),
];

const SLO_USAGE = 'health slo BUNDLE TASK METRIC (--at-least X | --at-most X) --target SHARE [--window DAYS]';

export const healthCommands: Command[] = [
  {
    path: ['health'],
    area: 'schedules',
    usage: 'health',
    summary: 'Every metric tasks reported (metrics.jsonl): its last value and its SLO state and error budget.',
    examples: ['health', 'health --json'],
    run: async (ctx) => {
      const out = await ctx.call('health.summary', {});
      if (ctx.json) return printJson(out);
      const pct = (x: number | null | undefined) => (x === null || x === undefined ? '' : `${Math.round(x * 1000) / 10} %`);
      printTable(
        out.metrics.map((m) => ({
          task: `${m.bundle} ${m.task}`,
          metric: m.name,
          last: `${m.last}${m.unit ? ` ${m.unit}` : ''}`,
          at: m.lastAt,
          values: m.count,
          slo: m.slo ? `${m.slo.comparison} ${m.slo.threshold}, ${pct(m.slo.target)} over ${m.slo.windowDays} d` : '',
          state: m.state?.state ?? '',
          good: pct(m.state?.ratio),
          budgetLeft: pct(m.state?.budgetRemaining),
        })),
        ['task', 'metric', 'last', 'at', 'values', 'slo', 'state', 'good', 'budgetLeft'],
      );
    },
  },
  {
    path: ['health', 'slo'],
    area: 'schedules',
    usage: SLO_USAGE,
    summary: "Set a metric's objective: a value is good at least (or at most) X; SHARE of them over DAYS must be good.",
    flags: {
      'at-least': { value: 'X', help: 'Good when the value is at least X (a health score: 0.9).' },
      'at-most': { value: 'X', help: 'Good when the value is at most X (a latency, a count).' },
      target: { value: 'SHARE', help: 'The share of good values, between 0 and 1 (0.99 is 99 %).' },
      window: { value: 'DAYS', help: 'The window in days (default 30).' },
    },
    examples: ['health slo host-health check-disk-usage disk_health --at-least 0.9 --target 0.99 --window 30'],
    run: async (ctx, args) => {
      const atLeast = flag(args, 'at-least');
      const atMost = flag(args, 'at-most');
      if ((atLeast === undefined) === (atMost === undefined))
        throw new ApiError('INVALID_INPUT', `Give --at-least or --at-most. Usage: ${SLO_USAGE}`);
      const num = (text: string, what: string) => {
        const n = Number(text);
        if (text.trim() === '' || !Number.isFinite(n))
          throw new ApiError('INVALID_INPUT', `${what} takes a number (got "${text.slice(0, 40)}").`);
        return n;
      };
      const out = await ctx.call('health.setSlo', {
        bundle: positional(args, 0, 'BUNDLE', SLO_USAGE),
        task: positional(args, 1, 'TASK', SLO_USAGE),
        metric: positional(args, 2, 'METRIC', SLO_USAGE),
        comparison: atLeast !== undefined ? '>=' : '<=',
        threshold: num(atLeast ?? atMost!, atLeast !== undefined ? '--at-least' : '--at-most'),
        target: num(requireFlag(args, 'target', SLO_USAGE), '--target'),
        windowDays: num(flag(args, 'window') ?? '30', '--window'),
      });
      if (ctx.json) return printJson(out);
      process.stdout.write(
        `Objective of ${out.metric} set: ${out.comparison} ${out.threshold}, ${out.target * 100} % over ${out.windowDays} days.\n`,
      );
    },
  },
];
