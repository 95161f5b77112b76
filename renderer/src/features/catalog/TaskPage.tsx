import { useEffect, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice } from '../../components/Notice';
import { RunForm, RunsTable, TagChips } from '../runs';

type Declaration = OpOutput<'tasks.show'>['task'];

function Variables({ decl }: { decl: Declaration }) {
  if (decl.config.length === 0) return <p className="empty">This task takes no variables.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-dense">
        <caption className="visually-hidden">Variables of {decl.title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Default</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {decl.config.map((v) => (
            <tr key={v.name}>
              <th scope="row" className="mono">
                {v.name}
              </th>
              <td>
                {v.type === 'enum' && v.enum ? `one of ${v.enum.join(', ')}` : v.type}
                {v.sensitive && <span className="badge badge-warning badge-inline">sensitive</span>}
              </td>
              <td>{v.required ? 'yes' : 'no'}</td>
              <td className="mono">{v.default === null ? '—' : String(v.default)}</td>
              <td>
                {v.description}
                {v.pattern && <div className="muted small mono">pattern {v.pattern}</div>}
                {v.example && <div className="muted small">for example {v.example}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Secrets({ decl }: { decl: Declaration }) {
  if (decl.secrets.length === 0) return <p className="empty">This task uses no secrets.</p>;
  return (
    <dl className="facts facts-compact">
      {decl.secrets.map((s) => (
        <div key={s.name} className="contents">
          <dt className="mono">{s.name}</dt>
          <dd>
            {s.description || 'No description.'}
            <div className="muted small">
              {s.vaultItems === null
                ? 'Filled from a vault item when the run starts.'
                : s.vaultItems.length === 0
                  ? `No vault item is bound to ${decl.bundle} yet.`
                  : `Vault items bound to ${decl.bundle}: ${s.vaultItems.join(', ')}.`}
            </div>
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The per-run SSH certificates the task asks for, and which principals it will not get (no admin grant). */
function SshCredentials({ decl }: { decl: Declaration }) {
  if (decl.sshCredentials.length === 0) return null;
  return (
    <>
      <h3 className="card-subtitle">SSH certificates</h3>
      <dl className="facts facts-compact" aria-label="SSH certificates">
        {decl.sshCredentials.map((c) => (
          <div key={c.name} className="contents">
            <dt className="mono">{c.name}</dt>
            <dd>
              Asks to sign in as <span className="mono">{c.principals.join(', ')}</span>
              {c.notAllowed.length === 0 ? (
                <div className="muted small">Every one is allowed; each run gets a certificate valid until its time limit.</div>
              ) : (
                <div className="field-error small">
                  Not allowed, so never in its certificates: <span className="mono">{c.notAllowed.join(', ')}</span>. An admin allows
                  principals on the SSH certificate authority screen.
                </div>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/**
 * One task of the catalog, for every role: what it does, what it takes, the sandbox it gets, what
 * the policy decided and why, and its runs. Operators start it from here too.
 */
export function TaskPage({ bundle, task }: { bundle: string; task: string }) {
  const api = useApi();
  const session = useSession();
  const shown = useOp('tasks.show', { bundle, task });
  const [running, setRunning] = useState(false);
  const [generation, setGeneration] = useState(0);
  useEffect(() => api.subscribe('runs.state', {}, () => setGeneration((g) => g + 1)), [api]);
  const decl = shown.data?.task;
  return (
    <>
      <PageHeader
        title={decl ? decl.title : 'Task'}
        description={decl ? `${decl.bundle} ${decl.version} · ${decl.id} · ${decl.access}` : `${bundle} · ${task}`}
        actions={
          <>
            <a className="btn btn-ghost" href="#/catalog">
              Catalog
            </a>
            {decl && session.can('runs.start') && (
              <button
                type="button"
                className="btn btn-primary"
                disabled={!decl.enabled}
                title={decl.enabled ? undefined : decl.reason}
                onClick={() => setRunning(true)}
              >
                Run…
              </button>
            )}
          </>
        }
      />
      <ErrorNotice error={shown.error} />
      {decl && (
        <div className="stack-gap">
          <div className="grid grid-main-side">
            <Card title="About this task">
              <p>{decl.description || 'The bundle gives no description of this task.'}</p>
              <TagChips tags={decl.tags} />
              <h3 className="card-subtitle">Variables</h3>
              <Variables decl={decl} />
              <h3 className="card-subtitle">Secrets</h3>
              <Secrets decl={decl} />
              <SshCredentials decl={decl} />
            </Card>
            <div className="stack-gap">
              <Card title="Policy decision">
                <p>
                  <span className={`badge badge-${decl.enabled ? 'success' : 'danger'}`}>{decl.enabled ? 'allowed' : 'disabled'}</span>{' '}
                  {/* The reason starts with the decision ("allowed: …"), which the badge already says. */}
                  {decl.reason.replace(/^(allowed|denied|disabled)\s*:\s*/i, '')}
                </p>
                {decl.approvalRequired && <p className="muted">A run waits for a second person to approve it (two-person rule).</p>}
                {decl.reasonRequired && <p className="muted">A run needs a written reason: the task changes systems.</p>}
              </Card>
              <Card title="Limits">
                <dl className="facts facts-compact">
                  <dt>Network</dt>
                  <dd className="mono">{decl.network}</dd>
                  <dt>Time limit</dt>
                  <dd>{decl.timeoutSeconds} s</dd>
                  <dt>CPU</dt>
                  <dd>{decl.resources.cpu}</dd>
                  <dt>Memory</dt>
                  <dd>{decl.resources.memoryMiB} MiB</dd>
                  <dt>Processes</dt>
                  <dd>{decl.resources.pids}</dd>
                </dl>
              </Card>
            </div>
          </div>
          <Card title="Run history">
            <RunsTable
              caption={`Runs of ${decl.title}`}
              fixed={{ bundle: decl.bundle, task: decl.id }}
              generation={generation}
              showFilters={false}
            />
          </Card>
        </div>
      )}
      {decl && running && (
        <RunForm task={{ bundle: decl.bundle, version: decl.version, id: decl.id, title: decl.title }} onClose={() => setRunning(false)} />
      )}
    </>
  );
}
