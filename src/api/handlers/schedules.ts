/** Schedules (docs/schedules.md): made, changed, paused, approved and removed by operators; seen by everyone. */
import { needVaultKey } from '../../vault';
import {
  Schedules,
  addSchedule,
  approveSchedule,
  nextOccurrence,
  previewSchedule,
  removeSchedule,
  setPaused,
  updateSchedule,
  type Schedule,
} from '../../runner';
import type { ReadonlyDb } from '../../kernel';
import { needSession, type Handler, type HandlerContext } from './types';

function shown(db: ReadonlyDb, s: Schedule, now: Date) {
  const status: 'active' | 'paused' | 'awaiting-approval' = s.paused
    ? 'paused'
    : s.approvalRequired && !s.approvedBy
      ? 'awaiting-approval'
      : 'active';
  const state = new Schedules(db).state(s.id);
  let next: string | null = null;
  if (status === 'active') {
    const cursor = new Date(state?.cursor ?? s.updatedAt);
    next = nextOccurrence(s.timing, cursor > now ? cursor : now)?.toISOString() ?? null;
  }
  const { paused: _paused, ...rest } = s;
  return {
    ...rest,
    status,
    next,
    lastRunId: state?.lastRunId ?? null,
    lastFiredAt: state?.lastFiredAt ?? null,
  };
}

const vaultKeyOf = (ctx: HandlerContext) => needVaultKey(needSession(ctx).keyring.vault);

function audited(s: Schedule) {
  return {
    name: s.name,
    bundle: s.bundle,
    task: s.task,
    access: s.access,
    timing: s.timing,
    blackouts: s.blackouts.length,
    jitterSeconds: s.jitterSeconds,
    missed: s.missed,
    owner: s.owner,
    revision: s.revision,
    approvalRequired: s.approvalRequired,
    variables: Object.keys(s.config.values),
    secrets: s.config.secrets,
  };
}

const target = (input: { id: string }) => `schedule:${input.id}`;

export const scheduleHandlers: {
  'schedules.add': Handler<'schedules.add'>;
  'schedules.update': Handler<'schedules.update'>;
  'schedules.preview': Handler<'schedules.preview'>;
  'schedules.list': Handler<'schedules.list'>;
  'schedules.show': Handler<'schedules.show'>;
  'schedules.pause': Handler<'schedules.pause'>;
  'schedules.resume': Handler<'schedules.resume'>;
  'schedules.approve': Handler<'schedules.approve'>;
  'schedules.remove': Handler<'schedules.remove'>;
} = {
  'schedules.add': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const key = vaultKeyOf(ctx);
      const s = ctx.db.transaction(() => {
        const made = addSchedule(ctx.core, ctx.core.runner.bundles, input, session.name, key);
        ctx.recordSuccess({ target: `schedule:${made.id}`, details: audited(made) });
        return made;
      })();
      return shown(ctx.db, s, ctx.core.clock.now());
    },
    target: (input) => `bundle:${input.bundle}`,
  },
  'schedules.update': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const key = vaultKeyOf(ctx);
      const s = ctx.change(() => updateSchedule(ctx.core, ctx.core.runner.bundles, input.id, input, session.name, key), {
        target: target(input),
      });
      return shown(ctx.db, s, ctx.core.clock.now());
    },
    target,
    details: (input) => ({
      bundle: input.bundle,
      task: input.task,
      cron: input.cron ?? null,
      everySeconds: input.everySeconds ?? null,
      timeZone: input.timeZone,
    }),
  },
  'schedules.preview': {
    run: (ctx, input) => ({ occurrences: previewSchedule(input, ctx.core.clock.now(), input.count) }),
  },
  'schedules.list': {
    run: (ctx) => {
      const now = ctx.core.clock.now();
      return {
        schedules: new Schedules(ctx.db).list().map((s) => shown(ctx.db, s, now)),
        scheduler: { running: ctx.core.scheduler.running, problem: ctx.core.scheduler.problem },
      };
    },
  },
  'schedules.show': {
    run: (ctx, input) => {
      const store = new Schedules(ctx.db);
      return { schedule: shown(ctx.db, store.mustGet(input.id), ctx.core.clock.now()), events: store.events(input.id, input.limit ?? 50) };
    },
  },
  'schedules.pause': {
    run: (ctx, input) => {
      const s = ctx.change(() => setPaused(ctx.core, input.id, true, needSession(ctx).name, vaultKeyOf(ctx)));
      return shown(ctx.db, s, ctx.core.clock.now());
    },
    target,
  },
  'schedules.resume': {
    run: (ctx, input) => {
      const s = ctx.change(() => setPaused(ctx.core, input.id, false, needSession(ctx).name, vaultKeyOf(ctx)));
      return shown(ctx.db, s, ctx.core.clock.now());
    },
    target,
  },
  'schedules.approve': {
    run: (ctx, input) => {
      const s = ctx.change(() => approveSchedule(ctx.core, input.id, needSession(ctx).name, vaultKeyOf(ctx)));
      return shown(ctx.db, s, ctx.core.clock.now());
    },
    target,
  },
  'schedules.remove': {
    run: (ctx, input) => {
      const old = ctx.change(() => removeSchedule(ctx.core, input.id, needSession(ctx).name, vaultKeyOf(ctx)));
      return { id: old.id, removed: true as const };
    },
    target,
  },
};
