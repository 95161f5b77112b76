import { useCallback, useMemo, useState } from 'react';
import { engineDownReason, useEngine } from '../../api/engine';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { Modal } from '../../components/Modal';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column, type RowGroups } from '../../components/table';
import { formatBytes, formatTime, plural } from '../../format';
import { CopyableHash } from '../../components/CopyButton';
import { RunForm, type Task } from '../runs';
import { useRouteParam } from '../../navigation';
import { TaskPage } from './TaskPage';
import { Fact } from '../../components/Fact';

type Bundle = OpOutput<'bundles.list'>['bundles'][number];
/** Rows drawn at first (and added per "Show more"): the count says how many match. */
const PAGE_ROWS = 50;

const STATE_TONE: Record<Bundle['state'], string> = {
  active: 'success',
  revoked: 'danger',
  untrusted: 'warning',
  'image-removed': 'neutral',
};

/** Every task with one lower-case string to search, computed once per list. */
export function indexTasks(tasks: readonly Task[]) {
  return tasks.map((t) => ({ task: t, key: `${t.bundle}\n${t.id}\n${t.title}\n${t.tags.join('\n')}\n${t.access}`.toLowerCase() }));
}

export function filterTasks(index: ReturnType<typeof indexTasks>, text: string, status: string) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return index.filter(({ task, key }) => {
    if (status === 'enabled' && !task.enabled) return false;
    if (status === 'disabled' && task.enabled) return false;
    for (const w of words) if (!key.includes(w)) return false;
    return true;
  });
}

function RevokeDialog({ bundle, onClose, onDone }: { bundle: Bundle; onClose: () => void; onDone: (msg: string) => Promise<void> }) {
  const api = useApi();
  const [reason, setReason] = useState('');
  const { error, busy, run } = useAction();
  return (
    <Modal title={`Revoke ${bundle.name} ${bundle.version}`} onClose={onClose}>
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            if (!reason.trim()) return 'Say why the bundle is revoked.';
            const done = await api.call('bundles.revoke', { digest: bundle.digest, reason });
            if (!done.ok) return done.error;
            await onDone(`${bundle.name} ${bundle.version} revoked; ${plural(done.value.affected.length, 'bundle version')} disabled.`);
          });
        }}
      >
        <p>Its tasks are disabled at once and the digest can never be imported again.</p>
        <p className="mono break">{bundle.digest}</p>
        <div className="field">
          <label htmlFor="revoke-reason">Reason</label>
          <textarea id="revoke-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
        <ErrorNotice error={error} />
        <div className="card-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={busy}>
            Revoke bundle
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The row keeps what tells bundles apart; digest, signer and size are in the row's details (it fits 1024 px without a sideways scroll). */
const BUNDLE_COLUMNS: readonly Column<Bundle>[] = [
  { id: 'name', header: 'Bundle', rowHeader: true, cell: (b) => b.name },
  { id: 'version', header: 'Version', className: 'mono', cell: (b) => b.version },
  {
    id: 'state',
    header: 'State',
    cell: (b) => (
      <span className={`badge badge-${STATE_TONE[b.state]}`} title={b.reason}>
        {b.state}
      </span>
    ),
  },
  { id: 'tasks', header: 'Tasks', cell: (b) => `${b.tasks.enabled} of ${b.tasks.total} enabled` },
  {
    id: 'imported',
    header: 'Imported',
    className: 'nowrap',
    cell: (b) => (
      <>
        {formatTime(b.importedAt)}
        <div className="muted">{b.importedBy.replace(/^user:/, '')}</div>
      </>
    ),
  },
];

/** A bundle's details, under its row when opened. */
function BundleDetails({ bundle: b }: { bundle: Bundle }) {
  return (
    <dl className="facts-grid" aria-label={`About ${b.name} ${b.version}`}>
      {b.reason && (
        <Fact term="Why" wide>
          {b.reason}
        </Fact>
      )}
      <Fact term="Digest" wide>
        <CopyableHash value={b.digest} what={`digest of ${b.name} ${b.version}`} />
      </Fact>
      <Fact term="Signer">
        {b.signature.signerFingerprint ? (
          <CopyableHash value={b.signature.signerFingerprint} what={`signer fingerprint of ${b.name} ${b.version}`} length={16} />
        ) : (
          b.signature.format
        )}
      </Fact>
      <Fact term="Size">{formatBytes(b.size)}</Fact>
      <Fact term="Imported">
        {formatTime(b.importedAt)} by {b.importedBy.replace(/^user:/, '')}
      </Fact>
    </dl>
  );
}

function BundlesTable({ bundles, loading, onRevoke }: { bundles: Bundle[]; loading: boolean; onRevoke: (b: Bundle) => void }) {
  const session = useSession();
  const manage = session.can('trust.manage');
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const details = useCallback((b: Bundle) => (open.has(b.digest) ? <BundleDetails bundle={b} /> : null), [open]);
  const actions = useCallback(
    (b: Bundle) => (
      <>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open.has(b.digest)}
          aria-label={`Details of ${b.name} ${b.version}`}
          onClick={() =>
            setOpen((was) => {
              const next = new Set(was);
              if (!next.delete(b.digest)) next.add(b.digest);
              return next;
            })
          }
        >
          Details
        </button>
        {manage && b.state !== 'revoked' && (
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            aria-label={`Revoke ${b.name} ${b.version}`}
            onClick={() => onRevoke(b)}
          >
            Revoke
          </button>
        )}
      </>
    ),
    [manage, open, onRevoke],
  );
  return (
    <DataTable
      caption="Imported bundles"
      dense
      columns={BUNDLE_COLUMNS}
      rows={bundles}
      rowKey={(b) => b.digest}
      loading={loading}
      empty={`No bundles imported yet.${session.can('bundles.import') ? ' Import one from a mirror.' : ''}`}
      details={details}
      actions={actions}
    />
  );
}

const TASK_COLUMNS: readonly Column<Task>[] = [
  {
    id: 'task',
    header: 'Task',
    rowHeader: true,
    cell: (t) => (
      <>
        <a href={taskHref(t)}>{t.title}</a>
        <div className="mono muted">{t.id}</div>
      </>
    ),
  },
  {
    id: 'tags',
    header: 'Tags',
    cell: (t) => (
      <span className="chips">
        {t.tags.map((tag) => (
          <span key={tag} className="chip">
            {tag}
          </span>
        ))}
      </span>
    ),
  },
  {
    id: 'policy',
    header: 'Policy',
    cell: (t) => (
      <>
        <span className={`badge badge-${t.enabled ? 'success' : 'danger'}`}>{t.enabled ? 'enabled' : 'disabled'}</span>
        <div className="muted small">{t.reason}</div>
      </>
    ),
  },
];

/** The task's own page: its declaration, policy decision and run history. */
export function taskHref(t: Pick<Task, 'bundle' | 'version' | 'id'>): string {
  return `#/catalog/${encodeURIComponent(`${t.bundle}@${t.version}`)}/${encodeURIComponent(t.id)}`;
}

/** Tasks by bundle version, in the order the list has them (the core lists a bundle's tasks together). */
const TASK_GROUPS: RowGroups<Task> = {
  key: (t) => `${t.bundle} ${t.version}`,
  name: (key) => `Tasks of ${key}`,
  heading: (key, list) => (
    <>
      <span className="mono">{key}</span> <span className="muted">· {plural(list.length, 'task')}</span>
    </>
  ),
};

/** A task the policy disables is marked so on its row (its Run button is disabled too). */
const taskRowAttributes = (t: Task) => (t.enabled ? undefined : { 'aria-disabled': true });

export function TasksTable({ tasks, loading, onRun }: { tasks: readonly Task[]; loading: boolean; onRun: (t: Task) => void }) {
  const session = useSession();
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const index = useMemo(() => indexTasks(tasks), [tasks]);
  const [shown, setShown] = useState(PAGE_ROWS);
  const matched = useMemo(() => filterTasks(index, text, status), [index, text, status]);
  const rows = useMemo(() => matched.slice(0, shown).map(({ task }) => task), [matched, shown]);
  // While the engine is down no run can start: the button says why (the core refuses anyway).
  const engineDown = engineDownReason(useEngine());
  const run = useCallback(
    (t: Task) => (
      <button
        type="button"
        className="btn btn-small btn-primary"
        disabled={!t.enabled || engineDown !== null}
        aria-label={`Run ${t.title}`}
        title={!t.enabled ? t.reason : (engineDown ?? undefined)}
        onClick={() => onRun(t)}
      >
        Run…
      </button>
    ),
    [onRun, engineDown],
  );
  return (
    <>
      <form className="filters filters-2" aria-label="Task filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="tasks-filter">Filter tasks</label>
          <input
            id="tasks-filter"
            type="search"
            value={text}
            onChange={(e) => (setText(e.target.value), setShown(PAGE_ROWS))}
            placeholder="title, bundle, id or tag (e.g. access:read-only)"
          />
        </div>
        <div className="field">
          <label htmlFor="tasks-status">Policy status</label>
          <select id="tasks-status" value={status} onChange={(e) => (setStatus(e.target.value), setShown(PAGE_ROWS))}>
            <option value="">Any</option>
            <option value="enabled">Enabled</option>
            <option value="disabled">Disabled</option>
          </select>
        </div>
      </form>
      <p className="muted" role="status" data-matched={matched.length} data-query={text}>
        {matched.length} of {tasks.length} tasks{matched.length > shown ? ` · showing the first ${shown}` : ''}
      </p>
      <DataTable
        caption="Tasks"
        dense
        fixed
        className="table-tasks"
        columns={TASK_COLUMNS}
        rows={rows}
        rowKey={(t) => `${t.digest}/${t.id}`}
        rowAttributes={taskRowAttributes}
        loading={loading}
        empty={tasks.length === 0 ? 'No tasks: import a bundle first.' : 'No task matches the filter.'}
        actions={session.can('runs.start') ? run : undefined}
        groups={TASK_GROUPS}
      />
      {matched.length > shown && (
        <div className="card-actions">
          <button type="button" className="btn btn-small" onClick={() => setShown((n) => n + PAGE_ROWS * 4)}>
            Show more tasks
          </button>
        </div>
      )}
    </>
  );
}

export function CatalogScreen() {
  const param = useRouteParam();
  const cut = param.lastIndexOf('/');
  if (cut > 0) return <TaskPage key={param} bundle={param.slice(0, cut)} task={param.slice(cut + 1)} />;
  return <Catalog />;
}

function Catalog() {
  const api = useApi();
  const session = useSession();
  const bundles = useOp('bundles.list', {});
  const tasks = useOp('tasks.list', {});
  /** Resolves once both tables show the change, so the notice above them never runs ahead of them. */
  const reload = async () => {
    await Promise.all([bundles.reload(), tasks.reload()]);
  };
  const [revoking, setRevoking] = useState<Bundle | null>(null);
  const [running, setRunning] = useState<Task | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pruning, setPruning] = useState(false);
  const allTasks = useMemo(() => tasks.data?.tasks ?? [], [tasks.data]);
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Imported CodeBundles, their versions, digests and signers, and the tasks the policy lets run."
        actions={
          <>
            {session.can('bundles.import') && (
              <a className="btn" href="#/import">
                Import from a mirror
              </a>
            )}
            {session.can('bundles.import') && (
              <button type="button" className="btn btn-ghost" onClick={() => setPruning(true)}>
                Prune unused images…
              </button>
            )}
          </>
        }
      />
      <ErrorNotice error={bundles.error ?? tasks.error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      <div className="stack-gap">
        <Card title="Bundles">
          <BundlesTable bundles={bundles.data?.bundles ?? []} loading={bundles.loading && !bundles.data} onRevoke={setRevoking} />
        </Card>
        <Card title="Tasks">
          <TasksTable tasks={allTasks} loading={tasks.loading && !tasks.data} onRun={setRunning} />
        </Card>
      </div>
      {revoking && (
        <RevokeDialog
          bundle={revoking}
          onClose={() => setRevoking(null)}
          onDone={async (msg) => {
            setRevoking(null);
            await reload();
            setNotice(msg);
          }}
        />
      )}
      {running && <RunForm task={running} onClose={() => setRunning(null)} />}
      {pruning && (
        <ConfirmDialog
          title="Prune unused images?"
          confirmLabel="Remove unused images"
          onConfirm={async () => {
            const done = await api.call('bundles.prune', {});
            if (!done.ok) return done.error;
            await reload();
            setNotice(`Removed ${plural(done.value.removed.length, 'unused image')}; kept ${done.value.kept.length}.`);
          }}
          onClose={() => setPruning(false)}
        >
          <p>
            The engine images of bundles no task can run (revoked, untrusted, or replaced by a newer version) are removed from the engine to
            free disk space.
          </p>
          <p className="muted">
            The catalog, run history and audit trail are kept; a bundle whose image is removed must be imported again to run.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
