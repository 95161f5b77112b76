import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useApi, useSession } from '../../api/context';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card } from '../../components/PageHeader';
import { Modal } from '../../components/Modal';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';

type Preview = OpOutput<'runs.summarisePreview'>;
type SummaryRecord = OpOutput<'runs.summaries'>['summaries'][number];

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function countsText(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'nothing replaced';
  return entries.map(([rule, n]) => `${rule} ${n}`).join(', ');
}

/** The redacted prompt as text, each replacement marked (React text nodes only: never HTML). */
function MarkedText({ text, marks }: { text: string; marks: Preview['marks'] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [i, m] of marks.entries()) {
    if (m.start < at || m.end > text.length) continue;
    if (m.start > at) parts.push(text.slice(at, m.start));
    parts.push(
      <mark key={i} title={`${m.rule}: ${m.action}`}>
        {text.slice(m.start, m.end) || '∅'}
      </mark>,
    );
    at = m.end;
  }
  parts.push(text.slice(at));
  return (
    <pre className="code-block redact-text" aria-label="Redacted prompt">
      {parts}
    </pre>
  );
}

/** Step one: what would leave, redacted and marked; step two: send it. */
function SummariseDialog({ runId, onClose, onSent }: { runId: string; onClose: () => void; onSent: (s: SummaryRecord | null) => void }) {
  const api = useApi();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const send = useAction();
  useEffect(() => {
    let stopped = false;
    void api.call('runs.summarisePreview', { id: runId }).then((r) => {
      if (stopped) return;
      if (r.ok) setPreview(r.value);
      else setLoadError(r.error.message);
    });
    return () => {
      stopped = true;
    };
  }, [api, runId]);

  async function submit() {
    await send.run(async () => {
      const r = await api.call('runs.summarise', { id: runId });
      // A failed call is recorded with the run too: show it in the list behind the dialog.
      if (!r.ok) {
        onSent(null);
        return r.error;
      }
      onSent(r.value);
      onClose();
    });
  }

  return (
    <Modal title="Summarise this run" onClose={onClose} wide>
      <div className="stack">
        <ErrorNotice error={loadError} />
        {!preview && !loadError && <p className="muted">Preparing the redacted prompt…</p>}
        {preview && (
          <>
            <p>
              This is exactly what will be sent to <strong>{preview.model}</strong> at{' '}
              <span className="mono">{hostOf(preview.endpoint)}</span>, after redaction with the rule set{' '}
              <span className="mono">
                {preview.ruleSet} {preview.ruleVersion}
              </span>
              . Marked text replaced something: <span className="muted">{countsText(preview.replacementCounts)}</span>.
            </p>
            <MarkedText text={preview.prompt} marks={preview.marks} />
            <p className="hint">
              Pseudonyms in the answer are mapped back to the real names on this workstation only. The prompt and the answer are kept with
              the run.
            </p>
          </>
        )}
        <ErrorNotice error={send.error} />
        <div className="modal-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={!preview || send.busy} onClick={() => void submit()}>
            {send.busy ? 'Waiting for the answer…' : `Send to ${preview ? hostOf(preview.endpoint) : 'the endpoint'}`}
          </button>
        </div>
      </div>
    </Modal>
  );
}

function SummaryItem({ summary }: { summary: SummaryRecord }) {
  const badge = summary.status === 'ok' ? 'badge-success' : summary.status === 'error' ? 'badge-danger' : 'badge-warning';
  return (
    <article className="stack" aria-label={`Summary ${summary.id}`}>
      <p className="muted">
        <span className={`badge ${badge}`}>{summary.status === 'sending' ? 'sending (interrupted?)' : summary.status}</span>{' '}
        {formatTime(summary.createdAt)} by {summary.createdBy} · {summary.model} at {hostOf(summary.endpoint)}
      </p>
      {summary.answer !== null && (
        <pre className="code-block redact-text" aria-label="Answer">
          {summary.answer}
        </pre>
      )}
      {summary.error && <div className="notice notice-error">{summary.error}</div>}
      <details>
        <summary>What was sent ({countsText(summary.replacementCounts)})</summary>
        <pre className="code-block redact-text" aria-label="Sent prompt">
          {summary.prompt}
        </pre>
      </details>
    </article>
  );
}

/** The run view's "AI summary" card: offered when an admin enabled it and the user may send one. */
export function RunSummaryCard({ runId }: { runId: string }) {
  const api = useApi();
  const session = useSession();
  const enabled = session.settings['llm.enabled'] === true;
  const canSend = enabled && session.can('runs.summarise');
  const [summaries, setSummaries] = useState<SummaryRecord[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    const r = await api.call('runs.summaries', { id: runId });
    if (r.ok) setSummaries(r.value.summaries);
    else setError(r.error.message);
  }, [api, runId]);
  useEffect(() => void load(), [load]);

  if (!enabled && summaries.length === 0) return null;
  return (
    <Card title="AI summary">
      <div className="stack">
        <p className="muted">
          {enabled
            ? "The run's issues, report and log tail, redacted, go to the site's language model. You see exactly what leaves before it is sent."
            : 'AI summaries are switched off; past summaries stay with the run.'}
        </p>
        {canSend && (
          <div>
            <button type="button" className="btn btn-primary" onClick={() => setDialog(true)}>
              Summarise…
            </button>
          </div>
        )}
        <ErrorNotice error={error} />
        {notice && <StatusNotice>{notice}</StatusNotice>}
        {summaries.map((s) => (
          <SummaryItem key={s.id} summary={s} />
        ))}
      </div>
      {dialog && (
        <SummariseDialog
          runId={runId}
          onClose={() => setDialog(false)}
          onSent={(s) => {
            setNotice(s ? `Answer received from ${hostOf(s.endpoint)}.` : null);
            void load();
          }}
        />
      )}
    </Card>
  );
}
