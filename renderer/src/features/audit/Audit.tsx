import { useEffect, useState, type FormEvent } from 'react';
import { actionChoices, actionLabel } from './action-label';
import { targetLabel } from './target-label';
import { useApi } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpInput, OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { detailsText, formatTime, shortHash, plural } from '../../format';
import { CopyableHash } from '../../components/CopyButton';

const PAGE_SIZE = 25;

type Filters = { action: string; actor: string; since: string };
const NO_FILTERS: Filters = { action: '', actor: '', since: '' };
type Check = OpOutput<'audit.check'>;

function actorCode(typed: string): string {
  return typed && !typed.includes(':') && typed !== 'system' ? `user:${typed}` : typed;
}

const ACTIONS = actionChoices();

function query(filters: Filters, beforeSeq: number | undefined): OpInput<'audit.list'> {
  const since = filters.since ? new Date(filters.since) : null;
  return {
    action: filters.action.trim() || undefined,
    // A user is typed by name; the trail records them as `user:NAME` (and the app itself as `system`).
    actor: actorCode(filters.actor.trim()) || undefined,
    // datetime-local is the operator's local time; the core compares ISO instants.
    since: since && !Number.isNaN(since.getTime()) ? since.toISOString() : undefined,
    beforeSeq,
    limit: PAGE_SIZE + 1,
  };
}

function ChainCard({ newEvents }: { newEvents: number }) {
  const api = useApi();
  const head = useOp('audit.head', {});
  const [check, setCheck] = useState<Check | null>(null);
  const { error, busy, run } = useAction();
  const { reload } = head;
  useEffect(() => {
    if (newEvents > 0) void reload();
  }, [newEvents, reload]);

  async function runCheck() {
    setCheck(null);
    await run(async () => {
      const result = await api.call('audit.check', {});
      await reload();
      if (!result.ok) return result.error;
      setCheck(result.value);
    });
  }

  return (
    <Card title="Chain">
      <div className="chain-row">
        <dl className="facts-inline">
          <div>
            <dt>Head event</dt>
            <dd>{head.data ? `#${head.data.seq}` : '—'}</dd>
          </div>
          <div>
            <dt>Head hash</dt>
            <dd>{head.data ? <CopyableHash value={head.data.hash} what="head hash" length={32} /> : '—'}</dd>
          </div>
        </dl>
        <button type="button" className="btn" onClick={() => void runCheck()} disabled={busy}>
          {busy ? 'Checking…' : 'Check chain'}
        </button>
      </div>
      <ErrorNotice error={head.error ?? error} />
      {check &&
        (check.ok ? (
          <StatusNotice>Chain intact: {plural(check.count, 'event')} checked, every hash links to the one before.</StatusNotice>
        ) : (
          <StatusNotice tone="warning">
            Chain broken at event #{check.firstBadSeq}: {check.problem}
          </StatusNotice>
        ))}
    </Card>
  );
}

function FilterForm({ onApply }: { onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  return (
    <form className="filters" onSubmit={submit} noValidate aria-label="Filter events">
      <div className="field">
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
          <option value="">Any action</option>
          {ACTIONS.map((a) => (
            <option key={a.code} value={a.code} title={`Recorded as ${a.code}`}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      <Field
        label="Actor"
        value={draft.actor}
        onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
        placeholder="a user name, e.g. alice"
      />
      <Field label="Since" type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
      <div className="filters-actions">
        <button type="submit" className="btn btn-primary">
          Apply filters
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            setDraft(NO_FILTERS);
            onApply(NO_FILTERS);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

type AuditEvent = OpOutput<'audit.list'>['events'][number];

const EVENT_COLUMNS: readonly Column<AuditEvent>[] = [
  { id: 'seq', header: '#', className: 'mono', cell: (e) => e.seq },
  { id: 'time', header: 'Time', cell: (e) => formatTime(e.time) },
  {
    id: 'actor',
    header: 'Actor',
    cell: (e) => (
      <span title={`Recorded as ${e.actor}`}>
        {e.actor.startsWith('user:') ? e.actor.slice(5) : e.actor === 'system' ? 'the app' : e.actor}
      </span>
    ),
  },
  {
    id: 'action',
    header: 'Action',
    className: 'col-words',
    cell: (e) => (
      <span title={`Recorded as ${e.action}`} aria-description={`recorded as ${e.action}`}>
        {actionLabel(e.action)}
      </span>
    ),
  },
  {
    id: 'target',
    header: 'Target',
    className: 'col-words',
    cell: (e) =>
      e.target === null ? (
        '—'
      ) : (
        <span title={`Recorded as ${e.target}`} aria-description={`recorded as ${e.target}`}>
          {targetLabel(e.target)}
        </span>
      ),
  },
  {
    id: 'outcome',
    header: 'Outcome',
    cell: (e) => (
      <span className={`badge badge-${e.outcome === 'success' ? 'success' : e.outcome === 'denied' ? 'warning' : 'danger'}`}>
        {e.outcome}
      </span>
    ),
  },
  {
    id: 'details',
    header: 'Details',
    cell: (e) => (
      <details>
        <summary>Show</summary>
        <pre className="details-text">{detailsText(e.details)}</pre>
        <p className="mono hint" title={e.hash}>
          hash {shortHash(e.hash, 20)}
        </p>
      </details>
    ),
  },
];

export function AuditScreen() {
  const api = useApi();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages before this one; the current page starts before `cursor`.
  const [history, setHistory] = useState<Array<number | undefined>>([]);
  const [cursor, setCursor] = useState<number | undefined>(undefined);
  const [newEvents, setNewEvents] = useState(0);
  const [generation, setGeneration] = useState(0);
  const list = useOp('audit.list', query(filters, cursor), generation);

  useEffect(() => api.subscribe('audit.events', {}, () => setNewEvents((n) => n + 1)), [api]);

  const events = list.data?.events.slice(0, PAGE_SIZE) ?? [];
  const hasOlder = (list.data?.events.length ?? 0) > PAGE_SIZE;
  const showFirstPage = (f: Filters) => {
    setFilters(f);
    setHistory([]);
    setCursor(undefined);
  };
  const showNewest = () => {
    setNewEvents(0);
    showFirstPage(filters);
    setGeneration((g) => g + 1);
  };

  return (
    <>
      <PageHeader title="Audit trail" description="Every change and sensitive read, in a hash chain. Newest first." />
      {newEvents > 0 && (
        <div className="notice notice-info notice-row" role="status">
          <span>
            {newEvents} new {newEvents === 1 ? 'event' : 'events'} since this page was loaded.
          </span>
          <button type="button" className="btn btn-small" onClick={showNewest}>
            Show newest
          </button>
        </div>
      )}
      <div className="stack-gap">
        <ChainCard newEvents={newEvents} />
        <Card title="Events">
          <FilterForm onApply={showFirstPage} />
          <ErrorNotice error={list.error} />
          <DataTable
            caption="Audit events, newest first"
            dense
            columns={EVENT_COLUMNS}
            rows={events}
            rowKey={(e) => String(e.seq)}
            loading={list.loading && !list.data}
            empty="No events match these filters."
            pager={
              <nav className="pager" aria-label="Audit pages">
                <button
                  type="button"
                  className="btn"
                  disabled={history.length === 0}
                  onClick={() => {
                    setCursor(history[history.length - 1]);
                    setHistory(history.slice(0, -1));
                  }}
                >
                  Newer
                </button>
                <span className="muted">{events.length > 0 ? `Events #${events[0]!.seq} to #${events[events.length - 1]!.seq}` : ''}</span>
                <button
                  type="button"
                  className="btn"
                  disabled={!hasOlder}
                  onClick={() => {
                    setHistory([...history, cursor]);
                    setCursor(events[events.length - 1]?.seq);
                  }}
                >
                  Older
                </button>
              </nav>
            }
          />
        </Card>
      </div>
    </>
  );
}
