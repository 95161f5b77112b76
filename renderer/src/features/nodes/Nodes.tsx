import { useCallback, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyableHash } from '../../components/CopyButton';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { formatTime, plural } from '../../format';
import { Fact } from '../../components/Fact';

type Node = OpOutput<'nodes.list'>['nodes'][number];
type Pending = { action: 'remove' | 'prune'; node: Node };

const TRANSPORT: Record<Node['transport'], string> = {
  'ssh-docker': 'Docker over SSH',
  'ssh-podman': 'Podman over SSH',
  tls: 'Docker over TLS',
};

/**
 * Refused (cannot apply the hardening, or another identity) outranks unreachable: an unreachable
 * refused node is still refused. The row says which and since when; the reason is in the details
 * (and the badge's tooltip), so a long one does not stretch the row.
 */
function Status({ node }: { node: Node }) {
  if (node.state === 'refused')
    return (
      <span className="badge badge-danger" title={node.refusedReason ?? undefined}>
        Refused
      </span>
    );
  if (node.unreachable)
    return (
      <>
        <span className="badge badge-warning" title={node.unreachable.reason}>
          Not answering
        </span>{' '}
        <span className="muted">since {formatTime(node.unreachable.since)}</span>
      </>
    );
  return <span className="badge badge-success">Enabled</span>;
}

function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <span className="chips">
      {entries.map(([k, v]) => (
        <span key={k} className="chip mono">
          {k}={v}
        </span>
      ))}
    </span>
  );
}

/** The row keeps what tells nodes apart; the rest is in the row's details (it fits 1024 px without a sideways scroll). */
const columns: readonly Column<Node>[] = [
  { id: 'name', header: 'Name', rowHeader: true, className: 'mono', cell: (n) => n.name, sortKey: (n) => n.name },
  {
    id: 'status',
    header: 'Status',
    cell: (n) => <Status node={n} />,
    sortKey: (n) => (n.state === 'refused' ? 2 : n.unreachable ? 1 : 0),
  },
  {
    id: 'engine',
    header: 'Engine',
    cell: (n) => (
      <>
        {n.facts.engine} {n.facts.version} <span className="muted">· {TRANSPORT[n.transport]}</span>
      </>
    ),
    title: (n) => n.address,
    sortKey: (n) => `${n.facts.engine} ${n.facts.version}`,
  },
  { id: 'labels', header: 'Labels', cell: (n) => <Labels labels={n.labels} /> },
  {
    id: 'running',
    header: 'Running',
    className: 'nowrap',
    cell: (n) => `${n.running} of ${n.maxConcurrency}`,
    title: (n) => `${plural(n.running, 'run')} on ${n.name} now; it takes at most ${n.maxConcurrency} at once`,
    sortKey: (n) => n.running / n.maxConcurrency,
  },
];

/** A node's details, under its row when opened. */
function NodeDetails({ node }: { node: Node }) {
  const f = node.facts;
  return (
    <dl className="facts-grid" aria-label={`About ${node.name}`}>
      {node.state === 'refused' && (
        <Fact term="Why refused" wide>
          {node.refusedReason ?? 'no reason recorded'}
        </Fact>
      )}
      {node.unreachable && (
        <Fact term="Why not answering" wide>
          {node.unreachable.reason}
        </Fact>
      )}
      <Fact term="Address">
        <span className="mono">{node.address}</span>
      </Fact>
      <Fact term="Pinned identity">
        <CopyableHash value={node.fingerprint} what={`identity of ${node.name}`} />
      </Fact>
      <Fact term="Runs at once">at most {node.maxConcurrency}</Fact>
      <Fact term="Images sent">{plural(node.images.length, 'image')}</Fact>
      <Fact term="Rootless">{f.rootless ? 'Yes' : 'No'}</Fact>
      <Fact term="Control groups">v{f.cgroupVersion}</Fact>
      <Fact term="System call filter">{f.seccomp ? 'Yes (seccomp)' : 'No'}</Fact>
      <Fact term="System">
        {f.os} {f.arch}, kernel {f.kernelVersion}
      </Fact>
      <Fact term="Enrolled">
        {formatTime(node.enrolledAt)} by {node.enrolledBy.replace(/^user:/, '')}
      </Fact>
      <Fact term="Identity pinned">
        {formatTime(node.pinnedAt)} by {node.pinnedBy.replace(/^user:/, '')}
      </Fact>
      <Fact term="Last answered">{node.lastSeenAt ? formatTime(node.lastSeenAt) : 'not since it was enrolled'}</Fact>
    </dl>
  );
}

/**
 * The remote engines runs may be placed on. Enrolment and re-pinning need the node's identity
 * checked out of band, so they stay in the CLI (`airgap-runner node add`); here the admin sees each node's
 * state and removes it or prunes the images this workstation sent to it.
 */
export function NodesScreen() {
  const api = useApi();
  const session = useSession();
  const manage = session.can('nodes.manage');
  const list = useOp('nodes.list', {});
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (name: string) =>
    setOpen((was) => {
      const next = new Set(was);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  const details = useCallback((n: Node) => (open.has(n.name) ? <NodeDetails node={n} /> : null), [open]);

  async function confirm(p: Pending) {
    if (p.action === 'remove') {
      const done = await api.call('nodes.remove', { name: p.node.name });
      if (!done.ok) return done.error;
      await list.reload();
      setNotice(`${done.value.name} removed. Its sealed credentials are deleted; past runs keep its name.`);
    } else {
      const done = await api.call('nodes.prune', { name: p.node.name });
      if (!done.ok) return done.error;
      const kept = done.value.kept.length > 0 ? ` Kept ${plural(done.value.kept.length, 'image')} a run still uses.` : '';
      await list.reload();
      setNotice(`Removed ${plural(done.value.removed.length, 'image')} from ${done.value.name}.${kept}`);
    }
  }

  return (
    <>
      <PageHeader
        title="Nodes"
        description="Other machines whose container engine runs tasks for this workstation. Each is pinned to the identity checked when it was enrolled; a node that cannot apply the runner's hardening is refused."
      />
      <ErrorNotice error={list.error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      <Card title="Enrolled nodes">
        <DataTable
          caption="Enrolled nodes"
          dense
          columns={columns}
          rows={list.data?.nodes ?? []}
          rowKey={(n) => n.name}
          loading={list.loading && !list.data}
          empty={
            <>
              No nodes are enrolled: every run uses this workstation&apos;s engine. An admin enrols one with the command-line tool after
              checking its identity (see Help, Remote engines).
            </>
          }
          details={details}
          actions={(n) => (
            <>
              <button
                type="button"
                className="btn btn-small"
                aria-expanded={open.has(n.name)}
                aria-label={`Details of ${n.name}`}
                onClick={() => toggle(n.name)}
              >
                Details
              </button>
              {manage && (
                <>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Prune images on ${n.name}`}
                    disabled={n.images.length === 0}
                    title={n.images.length === 0 ? 'This workstation has sent no images there.' : undefined}
                    onClick={() => setPending({ action: 'prune', node: n })}
                  >
                    Prune images
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger-ghost"
                    aria-label={`Remove ${n.name}`}
                    onClick={() => setPending({ action: 'remove', node: n })}
                  >
                    Remove
                  </button>
                </>
              )}
            </>
          )}
        />
      </Card>
      {pending?.action === 'remove' && (
        <ConfirmDialog
          title={`Remove ${pending.node.name}?`}
          confirmLabel="Remove the node"
          onConfirm={() => confirm(pending)}
          onClose={() => setPending(null)}
        >
          <p>
            <strong className="mono">{pending.node.name}</strong> ({pending.node.address}) is no longer offered for runs, and the
            credentials this workstation keeps for it are deleted. Enrolling it again needs its identity checked again.
          </p>
          <p className="muted">Runs already recorded keep its name. Nothing on the node itself is changed.</p>
        </ConfirmDialog>
      )}
      {pending?.action === 'prune' && (
        <ConfirmDialog
          title={`Prune images on ${pending.node.name}?`}
          confirmLabel="Prune images"
          onConfirm={() => confirm(pending)}
          onClose={() => setPending(null)}
        >
          <p>
            The {plural(pending.node.images.length, 'image')} this workstation sent to <strong className="mono">{pending.node.name}</strong>{' '}
            are removed from it, except those a run that has not finished uses. They are sent again when a run needs them.
          </p>
          <p className="muted">Other images on the node are never touched.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
