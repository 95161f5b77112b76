/**
 * The attention subscriptions, for the session's user. Counts are read again after each run event
 * (coalesced) and every few seconds (runs another process started, issues a purge removed), and
 * sent only when they change.
 */
import type { Core } from '../core';
import type { SubEvent } from '../contract';
import { rolesAllow } from '../permissions';
import type { Session } from '../../identity';
import { RunRecords, attentionCounts, noticeFor, type Attendee } from '../../runner';

const RECOUNT_MS = 5_000;
const COALESCE_MS = 100;

function attendee(session: Session | null): Attendee {
  return { name: session?.name ?? '', mayApprove: !!session && rolesAllow(session.roles, 'runs.approve') };
}

function counts(core: Core, _input: unknown, emit: (event: SubEvent<'attention.counts'>) => void, session: Session | null): () => void {
  const who = attendee(session);
  let last = '';
  let pending: NodeJS.Timeout | undefined;
  const send = () => {
    pending = undefined;
    if (!core.isOpen) return;
    const now = attentionCounts(core.db, who);
    const key = JSON.stringify(now);
    if (key === last) return;
    last = key;
    emit(now);
  };
  send();
  const off = core.bus.on('runState', () => {
    pending ??= setTimeout(send, COALESCE_MS);
  });
  const timer = setInterval(send, RECOUNT_MS);
  timer.unref();
  return () => {
    off();
    clearInterval(timer);
    clearTimeout(pending);
  };
}

function notices(core: Core, _input: unknown, emit: (event: SubEvent<'attention.notices'>) => void, session: Session | null): () => void {
  const who = attendee(session);
  return core.bus.on('runState', (event) => {
    if (!core.isOpen) return;
    const notice = noticeFor(event, new RunRecords(core.db).get(event.runId), who);
    if (notice) emit(notice);
  });
}

export const attentionSubscriptionHandlers = { 'attention.counts': counts, 'attention.notices': notices };
