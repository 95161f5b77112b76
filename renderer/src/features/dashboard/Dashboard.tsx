import { useSession } from '../../api/context';
import { formatTime, plural } from '../../format';
import { RunStateBadge, severityOf } from '../runs';
import { useOp } from '../../api/use-op';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice } from '../../components/Notice';

/** "ok (12 events)" → "Unbroken: 12 events, each linked to the one before"; a problem is shown as the core words it. */
function chainInWords(chain: string): string {
  const ok = /^ok \((\d+) events?\)$/.exec(chain);
  if (!ok) return chain;
  const n = Number(ok[1]);
  return n === 1 ? 'Unbroken: 1 event' : `Unbroken: ${n} events, each linked to the one before`;
}

function StoreCheckCard() {
  const check = useOp('store.check', {});
  const value = check.data;
  return (
    <Card title="Store check" className="card-span-2">
      {check.loading && !value && <p className="muted">Checking the encrypted database, the unlock keys and the audit trail…</p>}
      <ErrorNotice error={check.error} />
      {value && (
        <>
          <p className={`badge ${value.ok ? 'badge-success' : 'badge-danger'}`}>{value.ok ? 'Store healthy' : 'Problems found'}</p>
          <dl className="facts">
            <dt>Encrypted database</dt>
            <dd title={`Integrity check: ${value.database}`}>
              {value.database === 'ok' ? 'Every page reads back intact' : value.database}
            </dd>
            <dt>Unlock keys</dt>
            <dd title={`Keyslots: ${value.keyslots}`}>
              {/^ok\b/.test(value.keyslots) ? 'Intact, checked when the store was unlocked' : value.keyslots}
            </dd>
            <dt>Audit trail</dt>
            <dd title={`Audit chain: ${value.chain}`}>{chainInWords(value.chain)}</dd>
          </dl>
          <details className="details-row">
            <summary>Details</summary>
            <p className="muted">
              Database layout version {value.schemaVersion}; key set {value.generation}.
            </p>
          </details>
        </>
      )}
      <div className="card-actions">
        <button type="button" className="btn btn-small" onClick={() => void check.reload()} disabled={check.loading}>
          {check.loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
    </Card>
  );
}

function WorkstationCard() {
  const { me, settings } = useSession();
  const status = useOp('system.status', {});
  const site = settings['site.name'];
  return (
    <Card title="This workstation">
      <dl className="facts">
        <dt>Site</dt>
        <dd>{typeof site === 'string' && site ? site : 'Not named'}</dd>
        <dt>Workstation</dt>
        <dd className="mono" title={me.workstationId}>
          {me.workstationId.slice(0, 16)}
        </dd>
        <dt>Version</dt>
        <dd>{status.data?.version ?? '—'}</dd>
        <dt>Store folder</dt>
        <dd className="mono">{status.data?.home ?? '—'}</dd>
      </dl>
    </Card>
  );
}

function RecentRunsCard() {
  const runs = useOp('runs.list', { limit: 8 });
  const list = runs.data?.runs ?? [];
  return (
    <Card title="Recent runs">
      <ErrorNotice error={runs.error} />
      {list.length === 0 ? (
        <p className="empty">No runs yet. Start a task from the catalog.</p>
      ) : (
        <ul className="plain-list" aria-label="Recent runs">
          {list.map((r) => (
            <li key={r.id} className="row-inputs">
              <a href={`#/runs/${r.id}`}>{r.task.title}</a>
              <RunStateBadge run={r} />
              <span className="muted">{formatTime(r.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** Issues still open (each task's latest finished run), counted by severity. */
function OpenIssuesCard() {
  const issues = useOp('issues.list', { latest: true, limit: 1 });
  const counts = issues.data?.counts;
  const byLevel = counts ? [counts.critical, counts.major, counts.minor, counts.info] : [];
  const total = byLevel.reduce((a, b) => a + b, 0);
  return (
    <Card title="Open issues">
      <ErrorNotice error={issues.error} />
      {!counts ? (
        <p className="muted">Reading issues…</p>
      ) : total === 0 ? (
        <p className="empty">No open issues: the latest run of every task raised none.</p>
      ) : (
        <ul className="severity-list" aria-label="Issues by severity">
          {byLevel.map((n, i) => (
            <li key={i}>
              <span className={`badge badge-${severityOf(i + 1).tone}`}>{severityOf(i + 1).label}</span> <strong>{n}</strong>
            </li>
          ))}
        </ul>
      )}
      <div className="card-actions">
        <a className="btn btn-small" href="#/issues">
          All issues
        </a>
      </div>
    </Card>
  );
}

/** The engine now (`engine.status`, answered within seconds), and who holds the runner. */
function EngineCard() {
  const status = useOp('engine.status', {});
  const runs = useOp('runs.list', { limit: 1 });
  const engine = status.data;
  const runner = runs.data?.runner;
  return (
    <Card title="Engine status">
      <ErrorNotice error={status.error} />
      {!engine ? (
        <p className="muted">Asking the container engine…</p>
      ) : engine.reachable ? (
        <>
          <p className="badge badge-success">Engine reachable</p>
          <dl className="facts facts-compact">
            <dt>Engine</dt>
            <dd>
              {engine.kind === 'podman' ? 'Podman' : 'Docker'} {engine.version}
            </dd>
            <dt>Privileges</dt>
            <dd title={engine.rootless ? 'rootless' : 'rootful'}>{engine.rootless ? 'Runs without root' : 'Runs as root'}</dd>
            <dt>Connected through</dt>
            <dd className="mono break">{engine.socket}</dd>
          </dl>
        </>
      ) : (
        <>
          <p className="badge badge-danger">Engine not reachable</p>
          <p className="muted">{engine.message}</p>
          {engine.socket && <p className="mono break">{engine.socket}</p>}
        </>
      )}
      {runner && (
        <p className="muted" title={runner.holder ?? undefined}>
          {runner.held ? 'The runner is working on this workstation.' : 'The runner is idle.'}
        </p>
      )}
      <div className="card-actions">
        <button type="button" className="btn btn-small" onClick={() => void status.reload()} disabled={status.loading}>
          {status.loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
    </Card>
  );
}

function AuditOverdue() {
  const status = useOp('audit.status', {});
  const s = status.data;
  if (!s?.overdue) return null;
  return (
    <div role="alert" className="notice notice-warning">
      Audit export overdue: {s.lastExport ? `the last export was ${formatTime(s.lastExport.createdAt)}` : 'no export has been made'}, and
      exports are due every {s.overdueDays} days. {plural(s.unexportedEvents, 'event')} {s.unexportedEvents === 1 ? 'waits' : 'wait'} to be
      exported.
    </div>
  );
}

export function DashboardScreen() {
  const { me, settings } = useSession();
  const site = typeof settings['site.name'] === 'string' && settings['site.name'] ? settings['site.name'] : null;
  return (
    <>
      <PageHeader title="Dashboard" description={site ? `${site} — signed in as ${me.user.name}` : `Signed in as ${me.user.name}`} />
      <AuditOverdue />
      <div className="grid grid-3">
        <RecentRunsCard />
        <OpenIssuesCard />
        <EngineCard />
        <StoreCheckCard />
        <WorkstationCard />
      </div>
    </>
  );
}
