import { useEffect, useRef, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { PagedLog, type LogSource } from '../../log/paged';
import { LogPanel } from '../../log/LogPanel';
import { formatBytes, formatDate, formatTime } from '../../format';
import { formatDuration, IssuesList, ReportBlocks, RunStateBadge } from './run-parts';
import { RunSummaryCard } from './Summary';
import { RunForm } from './RunForm';
import { CopyableHash } from '../../components/CopyButton';

type Details = OpOutput<'runs.show'>;

/**
 * The log of one run, read a page at a time as the view shows it (log/paged.ts): the first page at
 * once, which also says how long the log is; then, for a run not finished, live lines from the
 * subscription after the last line stored. Search and "first error" ask the core.
 */
function useRunLog(id: string, onLive: () => void) {
  const api = useApi();
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(onLive);
  live.current = onLive;
  // Lines arrive a page or a line at a time: draw at most once a frame.
  const pending = useRef(false);
  const [buffer] = useState(() => {
    const fail = (e: { message: string }) => {
      throw new Error(e.message);
    };
    const source: LogSource = {
      page: async (afterSeq, limit) => {
        const page = await api.call('runs.logs', { id, afterSeq, limit });
        return page.ok ? page.value : fail(page.error);
      },
      search: async (text, limit) => {
        const found = await api.call('runs.logSearch', { id, text, limit });
        return found.ok ? found.value : fail(found.error);
      },
      firstError: async () => {
        const found = await api.call('runs.logFirstError', { id });
        return found.ok ? found.value.seq : fail(found.error);
      },
    };
    return new PagedLog(source, () => {
      if (pending.current) return;
      pending.current = true;
      requestAnimationFrame(() => {
        pending.current = false;
        setVersion(buffer.version);
      });
    });
  });
  useEffect(() => {
    let stopped = false;
    let unsubscribe: (() => void) | null = null;
    void (async () => {
      const finished = await buffer.open();
      if (stopped) return;
      setError(buffer.error);
      setLoading(false);
      if (finished || buffer.error) return;
      unsubscribe = api.subscribe(
        'runs.log',
        { id, afterSeq: buffer.lastSeq },
        (line) => {
          buffer.append([line]);
          live.current();
        },
        (e) => setError(e.message),
      );
    })();
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }, [api, id, buffer]);
  return { buffer, version, loading, error: error ?? buffer.error };
}

function SandboxFacts({ run }: { run: Details }) {
  const s = run.sandbox;
  if (!s) return <p className="muted">The sandbox is described once the run starts.</p>;
  return (
    <dl className="facts facts-compact">
      <dt>Engine</dt>
      <dd>
        {s.engine} {s.engineVersion} {s.rootless ? '(rootless)' : ''}
      </dd>
      <dt>Network</dt>
      <dd>{s.network}</dd>
      <dt>User</dt>
      <dd className="mono">{s.user}</dd>
      <dt>Limits</dt>
      <dd>
        {s.limits.cpu} CPU, {s.limits.memoryMiB} MiB, {s.limits.pids} processes, {s.limits.timeoutSeconds} s
      </dd>
      <dt>Hardening</dt>
      <dd>
        {s.readOnlyRootfs ? 'read-only root' : 'writable root'}, {s.noNewPrivileges ? 'no new privileges' : 'new privileges allowed'}, caps
        dropped: {s.capDrop.join(', ') || 'none'}
      </dd>
    </dl>
  );
}

/** "Log purged on 3 May 2026 by user:ada": a purged run says so instead of looking empty (docs/retention.md). */
function Purged({ what, mark }: { what: string; mark: { at: string; by: string } | null }) {
  if (!mark) return null;
  return (
    <p className="notice notice-info">
      {what} purged on {formatDate(mark.at)} by {mark.by.replace(/^user:/, '')}.
    </p>
  );
}

/** Why a finished run did not succeed, in a sentence, or null when it did and raised nothing critical. */
export function outcomeSentence(run: Details): { tone: 'error' | 'warning' | 'info'; text: string } | null {
  const error = run.error ? ` ${run.error}` : '';
  switch (run.outcome) {
    case 'failed':
      return { tone: 'error', text: `Failed: the task exited with code ${run.exitCode ?? 'unknown'}.${error}` };
    case 'timed-out':
      return {
        tone: 'error',
        text: `Timed out: stopped when it reached its limit of ${formatDuration(run.timeoutSeconds * 1000)}.${error}`,
      };
    case 'cancelled':
      return { tone: 'info', text: `Cancelled by ${(run.cancelRequestedBy ?? 'someone').replace(/^user:/, '')}.${error}` };
    case 'interrupted':
      return { tone: 'error', text: `Interrupted: the app stopped or lost the engine while the run was going.${error}` };
    case 'error':
      return { tone: 'error', text: `Could not run.${error || ' The sandbox could not be set up.'}` };
    case 'succeeded':
      return run.criticalIssues > 0
        ? {
            tone: 'warning',
            text: `The task finished, but raised ${run.criticalIssues} critical ${run.criticalIssues === 1 ? 'issue' : 'issues'}: see Issues below.`,
          }
        : null;
    default:
      return null;
  }
}

/** How long the run took, or has been going (ticking while it runs). */
function useDuration(run: Details | null): string {
  const [now, setNow] = useState(() => Date.now());
  const running = run?.state === 'running';
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);
  if (!run?.startedAt) return '—';
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return formatDuration(end - Date.parse(run.startedAt));
}

export function RunView({ id }: { id: string }) {
  const api = useApi();
  const session = useSession();
  const [run, setRun] = useState<Details | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [again, setAgain] = useState(false);
  const save = useAction();

  const refresh = useRef(async () => {});
  refresh.current = async () => {
    const shown = await api.call('runs.show', { id });
    if (shown.ok) setRun(shown.value);
    else setLoadError(shown.error.message);
  };
  useEffect(() => {
    void refresh.current();
    return api.subscribe('runs.state', { id }, () => void refresh.current());
  }, [api, id]);
  const log = useRunLog(id, () => {
    if (run && run.state !== 'running' && run.state !== 'finished') void refresh.current();
  });

  const mine = run?.startedBy === session.me.user.name;
  const canCancel = run && run.state !== 'finished' && (mine || session.can('runs.cancelAny'));
  const canApprove = run?.state === 'awaiting-approval' && !mine && session.can('runs.approve');

  const duration = useDuration(run);
  const banner = run?.state === 'finished' ? outcomeSentence(run) : null;

  async function approve() {
    setNotice(null);
    await action.run(async () => {
      const done = await api.call('runs.approve', { id });
      if (!done.ok) return done.error;
      setNotice('Run approved.');
      await refresh.current();
    });
  }

  async function cancel() {
    setNotice(null);
    const done = await api.call('runs.cancel', { id });
    if (!done.ok) return done.error;
    const said = { 'already-finished': 'The run had already finished.', cancelled: 'Run cancelled.', requested: 'Cancel requested.' };
    setNotice(said[done.value.result]);
    await refresh.current();
  }

  /** The log as shown, to a new file the operator picks in the native save dialog (the core writes it). */
  async function download(timestamps: boolean) {
    setNotice(null);
    await save.run(async () => {
      const outPath = await api.chooseSaveFile({
        title: 'Save the log',
        defaultName: `${id}.log`,
        filters: [{ name: 'Log', extensions: ['log', 'txt'] }],
      });
      if (!outPath) return;
      const done = await api.call('runs.saveLog', { id, outPath, timestamps });
      if (!done.ok) return done.error;
      setNotice(`Saved ${done.value.lines.toLocaleString()} ${done.value.lines === 1 ? 'line' : 'lines'} to ${done.value.path}.`);
    });
  }

  return (
    <>
      <PageHeader
        title={run ? `Run of ${run.task.title}` : 'Run'}
        description={run ? `${run.bundle.name} ${run.bundle.version} · ${run.id} · started by ${run.startedBy}` : id}
        actions={
          <>
            <a className="btn btn-ghost" href="#/runs">
              All runs
            </a>
            {run?.state === 'finished' && session.can('runs.export') && (
              <a className="btn btn-ghost" href={`#/redact/${encodeURIComponent(id)}`}>
                Export report…
              </a>
            )}
            {run && session.can('runs.start') && (
              <button type="button" className="btn" onClick={() => setAgain(true)}>
                Run again…
              </button>
            )}
            {canApprove && (
              <button type="button" className="btn btn-primary" disabled={action.busy} onClick={() => void approve()}>
                Approve run
              </button>
            )}
            {canCancel && (
              <button type="button" className="btn btn-danger" disabled={action.busy} onClick={() => setConfirmCancel(true)}>
                Cancel run…
              </button>
            )}
          </>
        }
      />
      <ErrorNotice error={loadError ?? action.error ?? save.error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      {run && (
        <div className="stack-gap">
          <section className="card" aria-label="Run status">
            {banner && (
              <p className={`notice notice-${banner.tone} run-banner`} aria-label="Outcome">
                {banner.text}
              </p>
            )}
            <div className="facts-inline">
              <div>
                <dt>State</dt>
                <dd>
                  <RunStateBadge run={run} />
                </dd>
              </div>
              <div>
                <dt>Issues</dt>
                <dd>{run.issues}</dd>
              </div>
              <div>
                <dt>Exit code</dt>
                <dd>{run.exitCode ?? '—'}</dd>
              </div>
              <div>
                <dt>Started</dt>
                <dd>{run.startedAt ? formatTime(run.startedAt) : '—'}</dd>
              </div>
              <div>
                <dt>Ended</dt>
                <dd>{run.endedAt ? formatTime(run.endedAt) : '—'}</dd>
              </div>
              <div>
                <dt>Duration</dt>
                <dd>{duration}</dd>
              </div>
              <div>
                <dt>Image</dt>
                <dd>
                  <CopyableHash value={run.bundle.digest} what="image digest" />
                </dd>
              </div>
            </div>
            {run.error && !banner && <div className="notice notice-error">{run.error}</div>}
            {run.reason && <p className="muted">Reason: {run.reason}</p>}
            {run.warnings.map((w, i) => (
              <div key={i} className="notice notice-warning">
                {w}
              </div>
            ))}
          </section>
          <Card title="Log">
            <p className="muted" role="status" hidden={Boolean(run.purged.logs)}>
              {log.buffer.count.toLocaleString()} {log.buffer.count === 1 ? 'line' : 'lines'}
              {log.loading ? ' · loading…' : run.state === 'finished' ? '' : ' · live'}
              {run.log.truncated ? ` · truncated: ${formatBytes(run.log.keptBytes)} of ${formatBytes(run.log.totalBytes)} kept` : ''}
            </p>
            <ErrorNotice error={log.error} />
            {run.purged.logs ? (
              <Purged what="Log" mark={run.purged.logs} />
            ) : (
              <>
                <LogPanel
                  buffer={log.buffer}
                  version={log.version}
                  label={`Log of run ${run.id}`}
                  live={run.state !== 'finished'}
                  onDownload={(timestamps) => void download(timestamps)}
                  downloading={save.busy}
                />
              </>
            )}
          </Card>
          <div className="grid grid-main-side">
            <Card title="Issues">
              {run.purged.report ? <Purged what="Issues and report" mark={run.purged.report} /> : <IssuesList issues={run.issueList} />}
            </Card>
            <Card title="Sandbox">
              <SandboxFacts run={run} />
              {Object.keys(run.config.values).length + Object.keys(run.config.files).length + Object.keys(run.config.secrets).length >
                0 && <h3 className="card-subtitle">Configuration</h3>}
              <dl className="facts facts-compact">
                {Object.entries(run.config.values).map(([k, v]) => (
                  <div key={`v${k}`} className="contents">
                    <dt className="mono">{k}</dt>
                    <dd className="mono break">{v}</dd>
                  </div>
                ))}
                {Object.entries(run.config.files).map(([k, v]) => (
                  <div key={`f${k}`} className="contents">
                    <dt className="mono">{k}</dt>
                    <dd className="mono break">file {v}</dd>
                  </div>
                ))}
                {Object.entries(run.config.secrets).map(([k, v]) => (
                  <div key={`s${k}`} className="contents">
                    <dt className="mono">{k}</dt>
                    <dd className="mono">vault item {v}</dd>
                  </div>
                ))}
              </dl>
            </Card>
          </div>
          <Card title="Report">
            {run.purged.report ? <Purged what="Report" mark={run.purged.report} /> : <ReportBlocks blocks={run.report} />}
          </Card>
          <RunSummaryCard runId={run.id} />
        </div>
      )}
      {run && confirmCancel && (
        <ConfirmDialog
          title={`Cancel run ${run.id}?`}
          confirmLabel="Cancel run"
          cancelLabel="Keep it running"
          onConfirm={cancel}
          onClose={() => setConfirmCancel(false)}
        >
          <p>
            {run.state === 'running'
              ? `${run.task.title} is running: its container is stopped at once and the task does not finish its work.`
              : `${run.task.title} has not started: it will not start.`}
          </p>
          <p className="muted">The run is kept as cancelled, with its log so far, and the audit trail records that you cancelled it.</p>
        </ConfirmDialog>
      )}
      {run && again && (
        <RunForm
          task={{ bundle: run.bundle.name, version: run.bundle.version, id: run.task.id, title: run.task.title }}
          initial={{ values: run.config.values, secrets: run.config.secrets, reason: run.reason ?? '', from: run.id }}
          onClose={() => setAgain(false)}
        />
      )}
    </>
  );
}
