/**
 * Retention: the limits, a dry run of what a purge would remove, and the purge itself. The purge and
 * its one audit event (counts, bytes, cutoffs: never the text) commit together; the file is then
 * rebuilt (VACUUM) and the WAL checkpointed with TRUNCATE, so the purged text is in neither file
 * (docs/retention.md).
 */
import { writeSetting } from '../../store';
import {
  compactAfterPurge,
  parseBefore,
  pinDeletionPragmas,
  planPurge,
  purgeRuns,
  retentionLimits,
  type PurgePlan,
  type PurgeScope,
} from '../../runner';
import { summariesPurgedWithRuns } from '../../llm';
import type { ReadCore } from '../core';
import { needSigner, type Handler } from './types';

function scopeOf(core: ReadCore, input: { runId?: string | undefined; before?: string | undefined }): PurgeScope {
  if (input.runId) return { kind: 'run', runId: input.runId };
  if (input.before) return { kind: 'before', before: parseBefore(input.before, core.clock.now()) };
  return { kind: 'retention' };
}

/** Audit details of a purge: what was removed, counted; the run ids; never a line of the text. */
function purgeDetails(done: PurgePlan): Record<string, unknown> {
  return {
    scope: done.scope,
    logCutoff: done.logCutoff,
    reportCutoff: done.reportCutoff,
    logs: done.logs,
    reports: done.reports,
    summaries: done.summaries,
    skippedActive: done.skippedActive,
    runIds: done.runIds,
    moreRuns: done.moreRuns,
  };
}

export const retentionHandlers: {
  'retention.show': Handler<'retention.show'>;
  'retention.set': Handler<'retention.set'>;
  'retention.purge': Handler<'retention.purge'>;
} = {
  'retention.show': {
    run: (ctx, input) => {
      const db = ctx.db;
      return { limits: retentionLimits(db), plan: planPurge(db, scopeOf(ctx.core, input), ctx.core.clock.now(), summariesPurgedWithRuns) };
    },
  },

  'retention.set': {
    run: (ctx, input) => {
      const db = ctx.db;
      const now = ctx.core.clock.now().toISOString();
      const signer = needSigner(ctx);
      ctx.change(() => {
        if (input.runLogDays !== undefined) writeSetting(db, 'retention.runLogDays', input.runLogDays, ctx.actor, now, signer);
        if (input.runReportDays !== undefined) writeSetting(db, 'retention.runReportDays', input.runReportDays, ctx.actor, now, signer);
      });
      return retentionLimits(db);
    },
    target: () => 'settings:retention',
    details: (input) => ({ ...input }),
  },

  'retention.purge': {
    run: (ctx, input) => {
      const core = ctx.core;
      const db = core.db;
      const scope = scopeOf(core, input);
      const now = core.clock.now();
      pinDeletionPragmas(db);
      const done = db.transaction(() => {
        const removed = purgeRuns(db, scope, ctx.actor, now, summariesPurgedWithRuns);
        ctx.recordSuccess({ details: purgeDetails(removed) });
        return removed;
      })();
      return { ...done, purgedAt: now.toISOString(), ...compactAfterPurge(db) };
    },
    target: (input) => (input.runId ? `run:${input.runId}` : 'runs'),
  },
};
