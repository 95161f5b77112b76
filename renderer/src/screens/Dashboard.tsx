import { useSession } from '../api/context';
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

/** Placeholder cards name what will fill them, so the layout is final and nothing pretends to work. */
function Placeholder({ title, text }: { title: string; text: string }) {
  return (
    <Card title={title}>
      <p className="empty">{text}</p>
    </Card>
  );
}

export function DashboardScreen() {
  const { me, settings } = useSession();
  const site = typeof settings['site.name'] === 'string' && settings['site.name'] ? settings['site.name'] : null;
  return (
    <>
      <PageHeader title="Dashboard" description={site ? `${site} — signed in as ${me.user.name}` : `Signed in as ${me.user.name}`} />
      <div className="grid grid-3">
        <Placeholder title="Recent runs" text="No runs yet. Runs of CodeBundles from the catalog will be listed here." />
        <Placeholder title="Open issues" text="No issues reported. Issues that tasks raise will be grouped here by severity." />
        <Placeholder title="Engine status" text="No container engine configured yet. Its version and rootless mode will show here." />
        <StoreCheckCard />
        <WorkstationCard />
      </div>
    </>
  );
}
