import { useEffect, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp, type OpState } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput, SubEvent } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { Modal } from '../../components/Modal';
import { PinDialog } from '../../components/PinDialog';
import { DataTable, type Column } from '../../components/table';
import { formatBytes, formatTime, shortHash, plural } from '../../format';
import { countsText, MarkedSection } from '../redact';

type ExportInfo = OpOutput<'audit.export'>;
type Progress = SubEvent<'audit.exportProgress'>;
type RedactionPreview = OpOutput<'audit.exportPreview'>;

/** What the first events of the next export would carry under a rule set, each replacement marked. */
function RedactionPreviewPanel({ ruleSet }: { ruleSet: 'default' | 'strict' }) {
  const api = useApi();
  const [preview, setPreview] = useState<RedactionPreview | null>(null);
  const { error, busy, run } = useAction();
  useEffect(() => setPreview(null), [ruleSet]);

  async function show() {
    await run(async () => {
      const out = await api.call('audit.exportPreview', { ruleSet, limit: 200 });
      if (!out.ok) return out.error;
      setPreview(out.value);
    });
  }

  return (
    <section className="stack" aria-label="Redaction preview of the export">
      <div>
        <button type="button" className="btn" onClick={() => void show()} disabled={busy}>
          {busy ? 'Reading…' : `Preview what ${ruleSet} changes`}
        </button>
      </div>
      <ErrorNotice error={error} />
      {preview && (
        <>
          <p className="muted">
            {preview.lastSeq >= preview.firstSeq
              ? `Events #${preview.firstSeq} to #${preview.lastSeq} of ${preview.pending} pending`
              : 'No event is pending'}{' '}
            · rule set{' '}
            <span className="mono">
              {preview.ruleSet} {preview.version}
            </span>{' '}
            · {countsText(preview.counts)} · {plural(preview.texts - preview.sections.length, 'other text')} leave unchanged. Nothing was
            written.
          </p>
          {preview.sections.map((section, i) => (
            <MarkedSection key={i} section={section} />
          ))}
        </>
      )}
    </section>
  );
}

function defaultName(): string {
  return `audit-export-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.tar.gz`;
}

type RedactChoice = 'none' | 'drop-details' | 'default' | 'strict';
const REDACT_CHOICES: ReadonlyArray<{ id: RedactChoice; hint: string }> = [
  { id: 'none', hint: 'Event details are exported as recorded.' },
  { id: 'default', hint: 'Secrets masked; addresses, host names and other identifiers pseudonymised (see Help, Redaction).' },
  { id: 'strict', hint: 'Every identifier the rules find is masked.' },
  { id: 'drop-details', hint: 'Event details are left out entirely.' },
];
const REDACT_NOTE = 'In every case the chain still verifies and the signed manifest records the rule set and its counts.';

/** Choose where to save, choose redaction, watch it written, read what was signed. */
function ExportWizard({ status, onDone }: { status: OpState<OpOutput<'audit.status'>>; onDone: () => Promise<void> }) {
  const api = useApi();
  const identity = useOp('audit.identity', {});
  const token = identity.data?.token ?? null;
  const [askingPin, setAskingPin] = useState(false);
  const [step, setStep] = useState<1 | 2 | 3>(1);
  const [outPath, setOutPath] = useState<string | null>(null);
  const [redact, setRedact] = useState<RedactChoice>('none');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [result, setResult] = useState<ExportInfo | null>(null);
  const { error, busy, run } = useAction();

  useEffect(() => api.subscribe('audit.exportProgress', {}, setProgress), [api]);

  async function choose() {
    const path = await api.chooseSaveFile({
      title: 'Save the audit export',
      defaultName: defaultName(),
      filters: [{ name: 'Audit export', extensions: ['tar.gz', 'gz'] }],
    });
    if (path) {
      setOutPath(path);
      setStep(2);
    }
  }

  /** The result is shown only once the chain facts and the exports list include the new export. */
  async function finished(value: ExportInfo) {
    await Promise.all([onDone(), identity.reload()]);
    setResult(value);
  }

  async function start() {
    if (!outPath) return;
    setProgress(null);
    setStep(3);
    await run(async () => {
      const done = await api.call('audit.export', { outPath, redact: redact === 'none' ? undefined : redact });
      if (!done.ok) {
        setStep(2);
        return done.error;
      }
      await finished(done.value);
    });
  }

  /** With the signing key on a token: the export is the one call the PIN goes to; a refusal stays in the PIN dialog. */
  async function startWithPin(pin: string) {
    if (!outPath) return;
    setProgress(null);
    const done = await api.call('audit.export', { outPath, redact: redact === 'none' ? undefined : redact, pin });
    if (!done.ok) return done.error;
    setStep(3);
    await finished(done.value);
  }

  return (
    <Card title="Export wizard">
      <ol className="steps" aria-label="Steps">
        <li aria-current={step === 1 ? 'step' : undefined}>Where to save</li>
        <li aria-current={step === 2 ? 'step' : undefined}>Redaction</li>
        <li aria-current={step === 3 ? 'step' : undefined}>Export</li>
      </ol>
      {status.data && (
        <p className="muted">
          {plural(status.data.unexportedEvents, 'event')} not exported yet; chain head #{status.data.headSeq}.
        </p>
      )}
      {step === 1 && (
        <div className="card-actions">
          <button type="button" className="btn btn-primary" onClick={() => void choose()}>
            Choose where to save…
          </button>
        </div>
      )}
      {step === 2 && (
        <div className="stack">
          <p>
            Saving to <span className="mono break">{outPath}</span>
          </p>
          <fieldset className="stack">
            <legend>Redaction of event details</legend>
            {REDACT_CHOICES.map((c) => (
              <label className="check" key={c.id}>
                <input type="radio" name="audit-redact" checked={redact === c.id} onChange={() => setRedact(c.id)} />
                <span>
                  <span>
                    {c.id === 'none' ? (
                      'No redaction'
                    ) : (
                      <>
                        Rule set <span className="mono">{c.id}</span>
                      </>
                    )}
                  </span>
                  <span className="check-hint">{c.hint}</span>
                </span>
              </label>
            ))}
            <p className="muted">{REDACT_NOTE}</p>
          </fieldset>
          {(redact === 'default' || redact === 'strict') && <RedactionPreviewPanel ruleSet={redact} />}
          <ErrorNotice error={error} />
          <div className="card-actions">
            <button type="button" className="btn btn-ghost" onClick={() => setStep(1)}>
              Back
            </button>
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => (token ? setAskingPin(true) : void start())}
              disabled={busy || identity.loading}
            >
              {token ? 'Export and sign on the token…' : 'Export and sign'}
            </button>
          </div>
          {askingPin && token && (
            <PinDialog
              title="Sign the export on the hardware token"
              token={token.token}
              submitLabel="Export and sign"
              use={startWithPin}
              onClose={() => setAskingPin(false)}
            >
              <p>
                The signing key is on the token <span className="mono">{token.token}</span> (key{' '}
                <span className="mono">{token.keyLabel}</span>). The export is written to <span className="mono break">{outPath}</span> and
                signed there.
              </p>
            </PinDialog>
          )}
        </div>
      )}
      {step === 3 && (
        <div className="stack">
          {!result && (
            <div role="status">
              <p>
                {progress
                  ? `${progress.phase === 'signing' ? 'Signing' : progress.phase === 'done' ? 'Finishing' : 'Writing events'}: ${plural(progress.events, 'event')}, ${formatBytes(progress.bytes)}`
                  : 'Starting the export…'}
              </p>
              <progress aria-label="Export progress" />
            </div>
          )}
          <ErrorNotice error={error} />
          {result && (
            <section aria-label="Export result" className="notice notice-success">
              <p>
                <strong>Export written and signed.</strong>
              </p>
              <dl className="facts facts-compact">
                <dt>Export id</dt>
                <dd className="mono">{result.id}</dd>
                <dt>Range</dt>
                <dd>
                  events #{result.firstSeq} to #{result.lastSeq}
                </dd>
                <dt>Signer</dt>
                <dd className="mono break">{result.signer}</dd>
                <dt>Redaction</dt>
                <dd>{result.redaction ?? 'none'}</dd>
                <dt>Size</dt>
                <dd>{formatBytes(result.bytes)}</dd>
                <dt>Manifest SHA-256</dt>
                <dd className="mono break">{result.manifestSha256}</dd>
              </dl>
              {result.removedPartials.length > 0 && (
                <StatusNotice tone="info">
                  Removed {result.removedPartials.length} unfinished file(s) an earlier export left when it was stopped:{' '}
                  <span className="mono break">{result.removedPartials.join(', ')}</span>
                </StatusNotice>
              )}
              <div className="card-actions">
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    setResult(null);
                    setOutPath(null);
                    setStep(1);
                  }}
                >
                  New export
                </button>
              </div>
            </section>
          )}
        </div>
      )}
    </Card>
  );
}

type ExportRow = OpOutput<'audit.exports'>['exports'][number];

const EXPORT_COLUMNS: readonly Column<ExportRow>[] = [
  { id: 'id', header: 'Export', rowHeader: true, className: 'mono', cell: (e) => e.id },
  {
    id: 'events',
    header: 'Events',
    cell: (e) => (
      <>
        #{e.firstSeq}–#{e.lastSeq}
        {e.redaction ? <span className="badge badge-neutral badge-inline">{e.redaction}</span> : null}
      </>
    ),
  },
  {
    id: 'made',
    header: 'Made',
    cell: (e) => (
      <>
        {formatTime(e.createdAt)}
        <div className="muted">by {e.createdBy}</div>
      </>
    ),
  },
  { id: 'signer', header: 'Signer', className: 'mono', title: (e) => e.signer, cell: (e) => shortHash(e.signer, 16) },
  {
    id: 'delivered',
    header: 'Delivered',
    cell: (e) =>
      e.confirmedAt ? (
        <span className="badge badge-success">confirmed by {e.confirmedBy}</span>
      ) : (
        <span className="badge badge-warning">not yet</span>
      ),
  },
];

function ExportsList({ list, onChanged }: { list: OpState<OpOutput<'audit.exports'>>; onChanged: () => Promise<void> }) {
  const api = useApi();
  const session = useSession();
  const { error, busy, run } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [pruning, setPruning] = useState<OpOutput<'audit.exports'>['exports'][number] | null>(null);
  const canAct = session.can('audit.export');
  return (
    <Card title="Exports">
      <ErrorNotice error={list.error ?? error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      <DataTable
        caption="Audit exports, newest first"
        dense
        columns={EXPORT_COLUMNS}
        rows={list.data?.exports ?? []}
        rowKey={(e) => e.id}
        loading={list.loading && !list.data}
        empty="No exports yet."
        actions={
          canAct
            ? (e) =>
                e.confirmedAt ? (
                  <button
                    type="button"
                    className="btn btn-small btn-danger-ghost"
                    aria-label={`Prune events through ${e.id}`}
                    onClick={() => setPruning(e)}
                  >
                    Prune…
                  </button>
                ) : (
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busy}
                    aria-label={`Confirm ${e.id} delivered`}
                    onClick={() =>
                      void run(async () => {
                        const done = await api.call('audit.confirm', { exportId: e.id });
                        if (!done.ok) return done.error;
                        await onChanged();
                        setNotice(`${e.id} confirmed as delivered.`);
                      })
                    }
                  >
                    Confirm
                  </button>
                )
            : undefined
        }
      />
      {pruning && (
        <Modal title="Prune exported events" onClose={() => setPruning(null)}>
          <p>
            Delete the events up to #{pruning.lastSeq} from this workstation. They are in the confirmed export{' '}
            <span className="mono">{pruning.id}</span>; the chain stays checkable from there.
          </p>
          <div className="card-actions">
            <button type="button" className="btn btn-ghost" onClick={() => setPruning(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  const done = await api.call('audit.prune', { throughSeq: pruning.lastSeq });
                  setPruning(null);
                  if (!done.ok) return done.error;
                  await onChanged();
                  setNotice(`${plural(done.value.deleted, 'event')} pruned; the chain is anchored at #${done.value.anchorSeq}.`);
                })
              }
            >
              Prune events
            </button>
          </div>
        </Modal>
      )}
    </Card>
  );
}

export function AuditExportScreen() {
  const session = useSession();
  const status = useOp('audit.status', {});
  const exports = useOp('audit.exports', {});
  /** Resolves once the chain facts and the exports list show the change, so no notice runs ahead of them. */
  const refresh = async () => {
    await Promise.all([status.reload(), exports.reload()]);
  };
  const s = status.data;
  return (
    <>
      <PageHeader
        title="Audit export"
        description="Signed bundles of the audit chain, carried by hand to the SIEM. Confirm delivery, then prune."
      />
      {s?.overdue && (
        <div role="alert" className="notice notice-warning">
          An audit export is overdue: the last one was {s.lastExport ? `made ${formatTime(s.lastExport.createdAt)}` : 'never made'}, more
          than {s.overdueDays} days ago.
        </div>
      )}
      <div className="grid grid-main-side">
        {session.can('audit.export') ? (
          <ExportWizard status={status} onDone={refresh} />
        ) : (
          <Card title="Export wizard">
            <p className="muted">Only auditors export.</p>
          </Card>
        )}
        <Card title="Chain">
          {s && (
            <dl className="facts">
              <dt>Head</dt>
              <dd>#{s.headSeq}</dd>
              <dt>Not exported</dt>
              <dd>{plural(s.unexportedEvents, 'event')}</dd>
              <dt>Last export</dt>
              <dd className="mono">{s.lastExport ? `${s.lastExport.id} (to #${s.lastExport.lastSeq})` : 'none'}</dd>
            </dl>
          )}
        </Card>
      </div>
      <div className="stack-gap section-gap">
        <ExportsList list={exports} onChanged={refresh} />
      </div>
    </>
  );
}
