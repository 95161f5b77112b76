import { useEffect, useMemo, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import { RUN_STATES, RUN_OUTCOMES } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { DataTable, type Column } from '../../components/table';
import { useRouteParam } from '../../navigation';
import { RunStateBadge, type RunSummary } from './run-parts';
import { RunView } from './RunView';

type Filters = { text: string; state: string; outcome: string; access: string };
const NONE: Filters = { text: '', state: '', outcome: '', access: '' };

function matches(run: RunSummary, f: Filters): boolean {
  if (f.state && run.state !== f.state) return false;
  if (f.outcome && run.outcome !== f.outcome) return false;
  if (f.access && run.task.access !== f.access) return false;
  const t = f.text.trim().toLowerCase();
  if (!t) return true;
  return [run.id, run.bundle.name, run.task.id, run.task.title, run.startedBy].some((s) => s.toLowerCase().includes(t));
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
    cell: (r) => (
      <>
        {r.task.title}
        {r.task.access === 'read-write' && <span className="badge badge-warning badge-inline">read-write</span>}
      </>
    ),
  },
  { id: 'bundle', header: 'Bundle', className: 'mono', cell: (r) => `${r.bundle.name} ${r.bundle.version}` },
  { id: 'by', header: 'By', className: 'mono', cell: (r) => r.startedBy },
  { id: 'created', header: 'Created', className: 'nowrap', cell: (r) => formatTime(r.createdAt) },
  {
    id: 'state',
    header: 'State',
    cell: (r) => (
      <>
        <RunStateBadge run={r} />
        <PurgedBadge purged={r.purged} />
      </>
    ),
  },
  { id: 'issues', header: 'Issues', cell: (r) => r.issues },
];

function Approvals({ runs, onDone }: { runs: RunSummary[]; onDone: () => void }) {
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
                      setNotice(`Run ${r.id} approved.`);
                      onDone();
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

function RunHistory() {
  const api = useApi();
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const list = useOp('runs.list', { limit: 1000 }, generation);
  const [filters, setFilters] = useState<Filters>(NONE);
  useEffect(() => api.subscribe('runs.state', {}, () => setGeneration((g) => g + 1)), [api]);
  const runs = useMemo(() => list.data?.runs ?? [], [list.data]);
  const shown = useMemo(() => runs.filter((r) => matches(r, filters)), [runs, filters]);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  return (
    <>
      <PageHeader
        title="Runs"
        description="Every run of a task on this workstation, newest first. Open one for its live log, issues and report."
      />
      <ErrorNotice error={list.error} />
      <div className="stack-gap">
        {session.can('runs.approve') && <Approvals runs={runs} onDone={() => setGeneration((g) => g + 1)} />}
        <Card title="Run history">
          <form className="filters filters-4" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
            <div className="field">
              <label htmlFor="runs-text">Search</label>
              <input
                id="runs-text"
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
          </form>
          {list.data && (
            <p className="muted">
              {shown.length} of {runs.length} runs
              {list.data.runner.held ? ` · runner held by ${list.data.runner.holder ?? 'another process'}` : ''}
            </p>
          )}
          <DataTable
            caption="Runs, newest first"
            dense
            columns={RUN_COLUMNS}
            rows={shown}
            rowKey={(r) => r.id}
            loading={list.loading && !list.data}
            empty="No runs match."
          />
        </Card>
      </div>
    </>
  );
}

export function RunsScreen() {
  const id = useRouteParam();
  return id ? <RunView key={id} id={id} /> : <RunHistory />;
}
