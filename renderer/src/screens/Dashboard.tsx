import { useEffect, useState } from 'react';
import { useApi, useSession } from '../api/context';
import type { OpOutput } from '../../../src/api/contract';
import { formatTime } from '../format';
import { RunStateBadge, severityOf } from './run-parts';
import { useOp } from '../api/use-op';
import { Card, PageHeader } from '../components/PageHeader';
import { ErrorNotice } from '../components/Notice';

function StoreCheckCard() {
  const check = useOp('store.check', {});
  const value = check.data;
  return (
    <Card title="Store check" className="card-span-2">
      {check.loading && !value && <p className="muted">Checking the database, keyslots and audit chain…</p>}
      <ErrorNotice error={check.error} />
      {value && (
        <>
          <p className={`badge ${value.ok ? 'badge-success' : 'badge-danger'}`}>{value.ok ? 'Store healthy' : 'Problems found'}</p>
          <dl className="facts">
            <dt>Database</dt>
            <dd>{value.database}</dd>
            <dt>Keyslots</dt>
            <dd>{value.keyslots}</dd>
            <dt>Audit chain</dt>
            <dd>{value.chain}</dd>
            <dt>Schema version</dt>
            <dd>{value.schemaVersion}</dd>
          </dl>
        </>
      )}
      <div className="card-actions">
        <button type="button" className="btn" onClick={() => void check.reload()} disabled={check.loading}>
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
        <dt>Workstation id</dt>
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

/** Issues of the recent runs that raised any, counted by severity. */
function OpenIssuesCard() {
  const api = useApi();
  const runs = useOp('runs.list', { limit: 50 });
  const [counts, setCounts] = useState<Map<number, number> | null>(null);
  useEffect(() => {
    const withIssues = (runs.data?.runs ?? []).filter((r) => r.issues > 0).slice(0, 20);
    let stale = false;
    void Promise.all(withIssues.map((r) => api.call('runs.show', { id: r.id }))).then((shown) => {
      if (stale) return;
      const m = new Map<number, number>();
      for (const s of shown) if (s.ok) for (const i of s.value.issueList) m.set(i.severity, (m.get(i.severity) ?? 0) + 1);
      setCounts(m);
    });
    return () => {
      stale = true;
    };
  }, [api, runs.data]);
  const total = counts ? [...counts.values()].reduce((a, b) => a + b, 0) : 0;
  return (
    <Card title="Open issues">
      {counts === null ? (
        <p className="muted">Reading recent runs…</p>
      ) : total === 0 ? (
        <p className="empty">No issues in recent runs.</p>
      ) : (
        <ul className="severity-list" aria-label="Issues by severity">
          {[1, 2, 3, 4].map((sev) => (
            <li key={sev}>
              <span className={`badge badge-${severityOf(sev).tone}`}>{severityOf(sev).label}</span> <strong>{counts.get(sev) ?? 0}</strong>
            </li>
          ))}
        </ul>
      )}
      <div className="card-actions">
        <a className="btn btn-small" href="#/runs">
          Runs
        </a>
      </div>
    </Card>
  );
}

/** What the last run saw of the engine, and who holds the runner. */
function EngineCard() {
  const api = useApi();
  const runs = useOp('runs.list', { limit: 20 });
  const [sandbox, setSandbox] = useState<OpOutput<'runs.show'>['sandbox']>(null);
  useEffect(() => {
    const last = runs.data?.runs.find((r) => r.startedAt);
    if (!last) return;
    void api.call('runs.show', { id: last.id }).then((s) => s.ok && setSandbox(s.value.sandbox));
  }, [api, runs.data]);
  const runner = runs.data?.runner;
  return (
    <Card title="Engine status">
      <ErrorNotice error={runs.error} />
      {sandbox ? (
        <dl className="facts facts-compact">
          <dt>Engine</dt>
          <dd>
            {sandbox.engine} {sandbox.engineVersion}
          </dd>
          <dt>Mode</dt>
          <dd>{sandbox.rootless ? 'rootless' : 'rootful'}</dd>
          <dt>Socket</dt>
          <dd className="mono break">{sandbox.socket}</dd>
        </dl>
      ) : (
        <p className="empty">No run has used the engine yet; its version shows after the first run.</p>
      )}
      {runner && <p className="muted">{runner.held ? `Runner active (${runner.holder ?? 'held'}).` : 'Runner idle.'}</p>}
    </Card>
  );
}

function AuditOverdue() {
  const status = useOp('audit.status', {});
  const s = status.data;
  if (!s?.overdue) return null;
  return (
    <div role="alert" className="notice notice-warning">
      Audit export overdue: {s.lastExport ? `the last export was ${formatTime(s.lastExport.createdAt)}` : 'no export has been made'}, and exports are due every {s.overdueDays} days.{' '}
      {s.unexportedEvents} event(s) wait to be exported.
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
