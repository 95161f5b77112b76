import { ApiError } from '../../kernel';
import { chainHead, checkStoredChain, queryEvents } from '../../audit';
import type { Handler } from './types';

export const auditHandlers: {
  'audit.list': Handler<'audit.list'>;
  'audit.head': Handler<'audit.head'>;
  'audit.check': Handler<'audit.check'>;
} = {
  'audit.list': {
    run: (ctx, input) => {
      if (input.since && Number.isNaN(Date.parse(input.since))) {
        throw new ApiError('INVALID_INPUT', `"${input.since}" is not a time. Use ISO 8601, e.g. 2026-11-26 or 2026-11-26T08:00:00Z.`);
      }
      const since = input.since ? new Date(input.since).toISOString() : undefined;
      return { events: queryEvents(ctx.db, { ...input, since }) };
    },
    details: (input) => ({ filter: { action: input.action ?? null, actor: input.actor ?? null, since: input.since ?? null } }),
  },
  'audit.head': {
    run: (ctx) => {
      const head = chainHead(ctx.db);
      if (!head) throw new ApiError('NOT_FOUND', 'The audit chain is empty.');
      return head;
    },
  },
  'audit.check': {
    run: (ctx) => {
      const result = checkStoredChain(ctx.db, ctx.core.workstationId);
      return result.ok
        ? { ok: true, count: result.count, firstBadSeq: null, problem: null }
        : { ok: false, count: result.count, firstBadSeq: result.problem.seq, problem: result.problem.message };
    },
  },
};
