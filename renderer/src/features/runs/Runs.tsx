import { useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import { RUN_STATES, RUN_OUTCOMES, type OpInput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { DataTable, type Column, type SortState } from '../../components/table';
import { useRouteParam } from '../../navigation';
import { formatDuration, RunStateBadge, type RunSummary } from './run-parts';
import { RunView } from './RunView';

type Filters = { text: string; state: string; outcome: string; access: string; critical: boolean; from: string; to: string };
const NONE: Filters = { text: '', state: '', outcome: '', access: '', critical: false, from: '', to: '' };
const PAGE = 50;
type SortColumn = NonNullable<OpInput<'runs.list'>['sort']>['column'];
/** Table columns the store sorts by (runs.list `sort`), by the table's column id. */
const SORTS: Readonly<Record<string, SortColumn>> = {
  task: 'task',
  bundle: 'bundle',
  by: 'startedBy',
  created: 'created',
  ended: 'ended',
  duration: 'duration',
  issues: 'issues',
};

/** Local midnight of a date field (YYYY-MM-DD) as an ISO time with its offset; `next` gives the day after. */
function dayStart(day: string, next = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** What runs.list is asked: the filters, the sort and the page, all applied in the store. */
export function listInput(f: Filters, sort: SortState, offset: number): OpInput<'runs.list'> {
  const from = dayStart(f.from);
  const to = dayStart(f.to, true);
  const column = sort ? SORTS[sort.column] : undefined;
  return {
    limit: PAGE,
    offset,
    ...(f.text.trim() ? { text: f.text.trim() } : {}),
    ...(f.state ? { state: f.state as RunSummary['state'] } : {}),
    ...(f.outcome ? { outcome: f.outcome as NonNullable<RunSummary['outcome']> } : {}),
    ...(f.access ? { access: f.access as RunSummary['task']['access'] } : {}),
    ...(f.critical ? { critical: true } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(sort && column ? { sort: { column, direction: sort.direction } } : {}),
  };
}

/** A run whose log or report a purge removed (docs/retention.md). */
function PurgedBadge({ purged }: { purged: RunSummary['purged'] }) {
  const mark = purged.logs ?? purged.report;
  if (!mark) return null;
  return (
    <span
      className="badge badge-neutral badge-inline"
      title={`${purged.logs ? 'Log' : 'Issues and report'} purged ${formatTime(mark.at)} by ${mark.by}`}
    >
      purged
    </span>
  );
}

const RUN_COLUMNS: readonly Column<RunSummary>[] = [
  {
    id: 'run',
    header: 'Run',
    rowHeader: true,
    cell: (r) => (
      <a href={`#/runs/${r.id}`} className="mono">
        {r.id}
      </a>
    ),
  },
  {
    id: 'task',
    header: 'Task',
    className: 'cell-task',
    sortKey: (r) => r.task.title,
    cell: (r) => (
      <>
        {r.task.title}
        {r.task.access === 'read-write' && <span className="badge badge-warning badge-inline">read-write</span>}
      </>
    ),
  },
  { id: 'bundle', header: 'Bundle', className: 'mono', cell: (r) => `${r.bundle.name} ${r.bundle.version}`, sortKey: (r) => r.bundle.name },
  { id: 'by', header: 'By', className: 'mono', cell: (r) => r.startedBy, sortKey: (r) => r.startedBy },
  { id: 'created', header: 'Created', className: 'nowrap', cell: (r) => formatTime(r.createdAt), sortKey: (r) => r.createdAt },
  {
    id: 'ended',
    header: 'Ended',
    className: 'nowrap',
    cell: (r) => (r.endedAt ? formatTime(r.endedAt) : '—'),
    sortKey: (r) => r.endedAt,
  },
  {
    id: 'duration',
    header: 'Duration',
    className: 'nowrap',
    cell: (r) => (r.startedAt && r.endedAt ? formatDuration(Date.parse(r.endedAt) - Date.parse(r.startedAt)) : '—'),
    sortKey: (r) => (r.startedAt && r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : null),
  },
  {
    id: 'state',
    header: 'Outcome',
    cell: (r) => (
      <>
        <RunStateBadge run={r} />
        <PurgedBadge purged={r.purged} />
      </>
    ),
  },
  {
    id: 'issues',
    header: 'Issues',
    cell: (r) =>
      r.criticalIssues > 0 ? (
        <span className="badge badge-danger" title={`${r.criticalIssues} critical`}>
          {r.issues} ({r.criticalIssues} critical)
        </span>
      ) : (
        r.issues
      ),
    sortKey: (r) => r.issues,
  },
];

const RUN_COLUMNS_OF_TASK = RUN_COLUMNS.filter((c) => c.id !== 'task');

function Approvals({ runs, onDone }: { runs: RunSummary[]; onDone: () => Promise<void> }) {
  const api = useApi();
  const session = useSession();
  const { error, busy, run } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const waiting = runs.filter((r) => r.state === 'awaiting-approval');
  return (
    <Card title="Waiting for approval">
      <p className="muted">Read-write runs need a second person. You cannot approve your own.</p>
      <ErrorNotice error={error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      {waiting.length === 0 ? (
        <p className="empty">Nothing waits for approval.</p>
      ) : (
        <ul className="plain-list">
          {waiting.map((r) => (
            <li key={r.id} className="approval">
              <span>
                <a href={`#/runs/${r.id}`}>{r.task.title}</a>{' '}
                <span className="muted">
                  by {r.startedBy}, {formatTime(r.createdAt)}
                </span>
              </span>
              {r.startedBy !== session.me.user.name && (
                <button
                  type="button"
                  className="btn btn-small btn-primary"
                  disabled={busy}
                  aria-label={`Approve run ${r.id}`}
                  onClick={() =>
                    void run(async () => {
                      const done = await api.call('runs.approve', { id: r.id });
                      if (!done.ok) return done.error;
                      await onDone();
                      setNotice(`Run ${r.id} approved.`);
                    })
                  }
                >
                  Approve
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export interface RunsTableHandle {
  reload: () => Promise<void>;
}

/** The Runs table: filtered, sorted and paged by the core, so a store of many thousand runs reads one page at a time. */
export function RunsTable({
  caption,
  fixed,
  generation,
  showFilters = true,
  hideTask = false,
  ref,
}: {
  caption: string;
  /** Filters the screen sets (a task's history: its bundle and task). */
  fixed?: Pick<OpInput<'runs.list'>, 'bundle' | 'task'>;
  generation: number;
  showFilters?: boolean;
  /** A task's own history: every row is that task, so the column goes. */
  hideTask?: boolean;
  /** Lets the screen reload the shown page and wait for it (e.g. before a notice about a change). */
  ref?: Ref<RunsTableHandle>;
}) {
  const [filters, setFilters] = useState<Filters>(NONE);
  const [sort, setSort] = useState<SortState>(null);
  const [offset, setOffset] = useState(0);
  const input = useMemo(() => ({ ...listInput(filters, sort, offset), ...fixed }), [filters, sort, offset, fixed]);
  const list = useOp('runs.list', input, generation);
  useImperativeHandle(ref, () => ({ reload: list.reload }), [list.reload]);
  const runs = list.data?.runs ?? [];
  const total = list.data?.total ?? 0;
  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setOffset(0);
  };
  const last = Math.min(offset + runs.length, total);
  return (
    <>
      <ErrorNotice error={list.error} />
      <DataTable
        caption={caption}
        dense
        columns={hideTask ? RUN_COLUMNS_OF_TASK : RUN_COLUMNS}
        rows={runs}
        rowKey={(r) => r.id}
        loading={list.loading && !list.data}
        empty="No runs match."
        sort={{
          state: sort,
          onChange: (next) => {
            setSort(next);
            setOffset(0);
          },
        }}
        toolbar={
          <>
            {showFilters && (
              <form className="filters filters-runs" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
                <div className="field">
                  <label htmlFor="runs-text">Search</label>
                  <input
                    id="runs-text"
                    type="search"
                    value={filters.text}
                    onChange={(e) => set({ text: e.target.value })}
                    placeholder="task, bundle, user or run id"
                  />
                </div>
                <div className="field">
                  <label htmlFor="runs-state">State</label>
                  <select id="runs-state" value={filters.state} onChange={(e) => set({ state: e.target.value })}>
                    <option value="">Any</option>
                    {RUN_STATES.map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="runs-outcome">Outcome</label>
                  <select id="runs-outcome" value={filters.outcome} onChange={(e) => set({ outcome: e.target.value })}>
                    <option value="">Any</option>
                    {RUN_OUTCOMES.map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="runs-access">Access</label>
                  <select id="runs-access" value={filters.access} onChange={(e) => set({ access: e.target.value })}>
                    <option value="">Any</option>
                    <option>read-only</option>
                    <option>read-write</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="runs-from">Created from</label>
                  <input id="runs-from" type="date" value={filters.from} onChange={(e) => set({ from: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor="runs-to">Created until</label>
                  <input id="runs-to" type="date" value={filters.to} onChange={(e) => set({ to: e.target.value })} />
                </div>
                <label className="check filters-check">
                  <input type="checkbox" checked={filters.critical} onChange={(e) => set({ critical: e.target.checked })} />
                  <span>Raised critical issues</span>
                </label>
              </form>
            )}
            {list.data && (
              <p className="muted" role="status" aria-label="Runs shown">
                {total === 0 ? 'No runs' : `${offset + 1}–${last} of ${total} ${total === 1 ? 'run' : 'runs'}`}
                {list.data.runner.held ? ` · runner held by ${list.data.runner.holder ?? 'another process'}` : ''}
              </p>
            )}
          </>
        }
        pager={
          total > PAGE && (
            <nav className="card-actions pager" aria-label={`Pages of ${caption}`}>
              <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Previous page
              </button>
              <button type="button" className="btn btn-small" disabled={last >= total} onClick={() => setOffset(offset + PAGE)}>
                Next page
              </button>
            </nav>
          )
        }
      />
    </>
  );
}

function RunHistory() {
  const api = useApi();
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const waiting = useOp('runs.list', { state: 'awaiting-approval', limit: 100 }, generation);
  useEffect(() => api.subscribe('runs.state', {}, () => setGeneration((g) => g + 1)), [api]);
  const table = useRef<RunsTableHandle>(null);
  /** Resolves once the waiting list and the table show the approval, so its notice never runs ahead of them. */
  const approved = async () => {
    await Promise.all([waiting.reload(), table.current?.reload()]);
  };
  return (
    <>
      <PageHeader
        title="Runs"
        description="Every run of a task on this workstation, newest first. Open one for its live log, issues and report."
      />
      <div className="stack-gap">
        {session.can('runs.approve') && <Approvals runs={waiting.data?.runs ?? []} onDone={approved} />}
        <Card title="Run history">
          <RunsTable ref={table} caption="Runs" generation={generation} />
        </Card>
      </div>
    </>
  );
}

export function RunsScreen() {
  const id = useRouteParam();
  return id ? <RunView key={id} id={id} /> : <RunHistory />;
}
