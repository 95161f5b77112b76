import { memo, useMemo, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { Modal } from '../../components/Modal';
import { formatBytes, formatTime, shortHash } from '../../format';
import { RunForm, type Task } from '../runs';

type Bundle = OpOutput<'bundles.list'>['bundles'][number];
/** Rows drawn at first (and added per "Show more"): the count says how many match. */
const PAGE_ROWS = 50;

const STATE_TONE: Record<Bundle['state'], string> = { active: 'success', revoked: 'danger', untrusted: 'warning', 'image-removed': 'neutral' };

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

function RevokeDialog({ bundle, onClose, onDone }: { bundle: Bundle; onClose: () => void; onDone: (msg: string) => void }) {
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
            onDone(`${bundle.name} ${bundle.version} revoked; ${done.value.affected.length} bundle version(s) disabled.`);
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

function BundlesTable({ bundles, onRevoke }: { bundles: Bundle[]; onRevoke: (b: Bundle) => void }) {
  const session = useSession();
  if (bundles.length === 0) return <p className="empty">No bundles imported yet.{session.can('bundles.import') ? ' Import one from a mirror.' : ''}</p>;
  return (
    <div className="table-wrap">
      <table className="table table-dense">
        <caption className="visually-hidden">Imported bundles</caption>
        <thead>
          <tr>
            <th scope="col">Bundle</th>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Digest</th>
            <th scope="col">Signer</th>
            <th scope="col">Tasks</th>
            <th scope="col">Imported</th>
            {session.can('trust.manage') && <th scope="col"><span className="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {bundles.map((b) => (
            <tr key={b.digest}>
              <th scope="row">{b.name}</th>
              <td className="mono">{b.version}</td>
              <td>
                <span className={`badge badge-${STATE_TONE[b.state]}`} title={b.reason}>
                  {b.state}
                </span>
              </td>
              <td className="mono" title={b.digest}>
                {shortHash(b.digest, 19)}
              </td>
              <td className="mono" title={b.signature.signerFingerprint ?? ''}>
                {b.signature.signerFingerprint ? shortHash(b.signature.signerFingerprint, 16) : b.signature.format}
              </td>
              <td>
                {b.tasks.enabled} of {b.tasks.total} enabled
              </td>
              <td className="nowrap">
                {formatTime(b.importedAt)}
                <div className="muted">
                  {b.importedBy.replace(/^user:/, '')} · {formatBytes(b.size)}
                </div>
              </td>
              {session.can('trust.manage') && (
                <td>
<div className="row-actions">
                  {b.state !== 'revoked' && (
                    <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Revoke ${b.name} ${b.version}`} onClick={() => onRevoke(b)}>
                      Revoke
                    </button>
                  )}
                </div>
</td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One task row; memoised so a narrower filter redraws only the rows that changed. */
const TaskRow = memo(function TaskRow({ task: t, canRun, onRun }: { task: Task; canRun: boolean; onRun: (t: Task) => void }) {
  return (
    <tr aria-disabled={!t.enabled || undefined}>
      <th scope="row">
        {t.title}
        <div className="mono muted">{t.id}</div>
      </th>
      <td className="mono">
        {t.bundle} {t.version}
      </td>
      <td>
        <span className="chips">
          {t.tags.map((tag) => (
            <span key={tag} className="chip">
              {tag}
            </span>
          ))}
        </span>
      </td>
      <td>
        <span className={`badge badge-${t.enabled ? 'success' : 'danger'}`}>{t.enabled ? 'enabled' : 'disabled'}</span>
        <div className="muted small">{t.reason}</div>
      </td>
      {canRun && (
        <td>
          <div className="row-actions">
            <button type="button" className="btn btn-small btn-primary" disabled={!t.enabled} aria-label={`Run ${t.title}`} title={t.enabled ? undefined : t.reason} onClick={() => onRun(t)}>
            Run…
          </button>
        </div>
</td>
      )}
    </tr>
  );
});

export function TasksTable({ tasks, onRun }: { tasks: readonly Task[]; onRun: (t: Task) => void }) {
  const session = useSession();
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const index = useMemo(() => indexTasks(tasks), [tasks]);
  const [shown, setShown] = useState(PAGE_ROWS);
  const matched = useMemo(() => filterTasks(index, text, status), [index, text, status]);
  const canRun = session.can('runs.start');
  return (
    <>
      <form className="filters filters-2" aria-label="Task filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="tasks-filter">Filter tasks</label>
          <input id="tasks-filter" type="search" value={text} onChange={(e) => (setText(e.target.value), setShown(PAGE_ROWS))} placeholder="title, bundle, id or tag (e.g. access:read-only)" />
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
      <div className="table-wrap">
        <table className="table table-dense">
          <caption className="visually-hidden">Tasks</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Bundle</th>
              <th scope="col">Tags</th>
              <th scope="col">Policy</th>
              {canRun && <th scope="col"><span className="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {matched.slice(0, shown).map(({ task: t }) => (
              <TaskRow key={`${t.digest}/${t.id}`} task={t} canRun={canRun} onRun={onRun} />
            ))}
          </tbody>
        </table>
      </div>
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
  const api = useApi();
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const bundles = useOp('bundles.list', {}, generation);
  const tasks = useOp('tasks.list', {}, generation);
  const [revoking, setRevoking] = useState<Bundle | null>(null);
  const [running, setRunning] = useState<Task | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const prune = useAction();
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
              <button
                type="button"
                className="btn btn-ghost"
                disabled={prune.busy}
                onClick={() =>
                  void prune.run(async () => {
                    const done = await api.call('bundles.prune', {});
                    if (!done.ok) return done.error;
                    setNotice(`Removed ${done.value.removed.length} unused image(s); kept ${done.value.kept.length}.`);
                    setGeneration((g) => g + 1);
                  })
                }
              >
                Prune unused images
              </button>
            )}
          </>
        }
      />
      <ErrorNotice error={bundles.error ?? tasks.error ?? prune.error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      <div className="stack-gap">
        <Card title="Bundles">
          <BundlesTable bundles={bundles.data?.bundles ?? []} onRevoke={setRevoking} />
        </Card>
        <Card title="Tasks">
          <TasksTable tasks={allTasks} onRun={setRunning} />
        </Card>
      </div>
      {revoking && (
        <RevokeDialog
          bundle={revoking}
          onClose={() => setRevoking(null)}
          onDone={(msg) => {
            setRevoking(null);
            setNotice(msg);
            setGeneration((g) => g + 1);
          }}
        />
      )}
      {running && <RunForm task={running} onClose={() => setRunning(null)} />}
    </>
  );
}
