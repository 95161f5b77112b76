import { useEffect, useState, type FormEvent } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatBytes, formatDate } from '../../format';

type Plan = OpOutput<'retention.show'>['plan'];
type Limits = OpOutput<'retention.show'>['limits'];

function keptFor(days: number): string {
  return days === 0 ? 'forever' : `${days} days after the run ends`;
}

function runs(n: number): string {
  return n === 1 ? '1 run' : `${n.toLocaleString()} runs`;
}

function cutoffText(cutoff: string | null): string {
  return cutoff ? `runs that ended before ${formatDate(cutoff)}` : 'none (kept forever)';
}

/** What a purge of the limits would remove now, as the dry run counts it. */
function PlanFacts({ plan }: { plan: Plan }) {
  return (
    <dl className="facts facts-compact" aria-label="What a purge would remove now">
      <dt>Logs</dt>
      <dd>
        {runs(plan.logs.runs)}, {plan.logs.lines.toLocaleString()} lines, {formatBytes(plan.logs.bytes)} · {cutoffText(plan.logCutoff)}
      </dd>
      <dt>Issues and reports</dt>
      <dd>
        {runs(plan.reports.runs)}, {formatBytes(plan.reports.bytes)} · {cutoffText(plan.reportCutoff)}
      </dd>
      <dt>Summaries</dt>
      <dd>{plan.summaries}</dd>
      <dt>Skipped</dt>
      <dd>{plan.skippedActive} still waiting, queued or running (never purged)</dd>
    </dl>
  );
}

function LimitsForm({ limits, onSaved }: { limits: Limits; onSaved: () => Promise<void> }) {
  const api = useApi();
  const session = useSession();
  const [logs, setLogs] = useState(String(limits.runLogDays));
  const [reports, setReports] = useState(String(limits.runReportDays));
  const { error, busy, run } = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setLogs(String(limits.runLogDays));
    setReports(String(limits.runReportDays));
  }, [limits]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    await run(async () => {
      const done = await api.call('retention.set', { runLogDays: Number(logs), runReportDays: Number(reports) });
      if (!done.ok) return done.error;
      await session.refresh();
      await onSaved();
      setSaved(true);
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow" aria-label="Retention limits">
      <Field
        label="Keep run logs (days)"
        hint="0 keeps logs forever."
        type="number"
        min={0}
        max={36500}
        value={logs}
        onChange={(e) => setLogs(e.target.value)}
      />
      <Field
        label="Keep issues and reports (days)"
        hint="Issues, report and warnings of a run; 0 keeps them forever."
        type="number"
        min={0}
        max={36500}
        value={reports}
        onChange={(e) => setReports(e.target.value)}
      />
      <ErrorNotice error={error} />
      {saved && !error && <StatusNotice>Limits saved. Nothing is removed until you purge.</StatusNotice>}
      <div>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy || (logs === String(limits.runLogDays) && reports === String(limits.runReportDays))}
        >
          {busy ? 'Saving…' : 'Save limits'}
        </button>
      </div>
    </form>
  );
}

export function RetentionScreen() {
  const api = useApi();
  const shown = useOp('retention.show', {});
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<OpOutput<'retention.purge'> | null>(null);
  const plan = shown.data?.plan;
  const nothing = !plan || plan.logs.runs + plan.reports.runs === 0;

  async function purge() {
    const result = await api.call('retention.purge', {});
    if (!result.ok) return result.error;
    await shown.reload();
    setDone(result.value);
  }

  return (
    <>
      <PageHeader
        title="Retention"
        description="How long run logs and reports are kept, and the purge that deletes them for good. Every change and purge is in the audit trail."
      />
      <ErrorNotice error={shown.error} />
      {shown.data && (
        <div className="grid grid-2">
          <Card title="Limits">
            <p>
              Run logs are kept <strong>{keptFor(shown.data.limits.runLogDays)}</strong>; issues and reports{' '}
              <strong>{keptFor(shown.data.limits.runReportDays)}</strong>.
            </p>
            <LimitsForm limits={shown.data.limits} onSaved={shown.reload} />
          </Card>
          <Card title="Purge">
            <p className="muted">
              A purge deletes for good: the text is overwritten in the encrypted store, not just hidden. The runs stay listed, marked as
              purged. Audit events are not touched.
            </p>
            {plan && <PlanFacts plan={plan} />}
            {done && (
              <StatusNotice tone={done.vacuumed && done.walTruncated ? 'success' : 'warning'}>
                Purged the logs of {runs(done.logs.runs)} ({formatBytes(done.logs.bytes)}) and the reports of {runs(done.reports.runs)} (
                {formatBytes(done.reports.bytes)}).
                {!(done.vacuumed && done.walTruncated) &&
                  ' Another process has the store open, so stale copies may remain on disk: close it and purge again.'}
              </StatusNotice>
            )}
            <div className="card-actions">
              <button type="button" className="btn btn-danger" disabled={nothing} onClick={() => setConfirming(true)}>
                {nothing ? 'Nothing to purge' : 'Purge now…'}
              </button>
            </div>
          </Card>
        </div>
      )}
      {confirming && plan && (
        <ConfirmDialog
          title="Purge run output for good?"
          confirmLabel="Delete for good"
          onConfirm={purge}
          onClose={() => setConfirming(false)}
        >
          <p>This cannot be undone. The following is deleted from this workstation:</p>
          <PlanFacts plan={plan} />
        </ConfirmDialog>
      )}
    </>
  );
}
