/**
 * Redaction preview (docs/redaction.md): exactly what an egress path would let leave, each
 * replacement marked, before anything is written; a site pattern added on the spot; and, for a
 * run, "Export report" to a file the user chooses. Text is shown as React text nodes, never HTML.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { formatTime, plural } from '../../format';
import { useApi, useSession } from '../../api/context';
import { useAction } from '../../api/use-action';
import { useOp, type OpState } from '../../api/use-op';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { useRouteParam } from '../../navigation';

type Preview = OpOutput<'redact.preview'>;
type Section = Preview['sections'][number];
type Path = Preview['path'];
type Action = 'mask' | 'drop' | 'pseudonymise';

const PATHS: Array<{ id: Path; label: string }> = [
  { id: 'runsExport', label: 'Run report export' },
  { id: 'auditExport', label: 'Audit export' },
  { id: 'llm', label: 'LLM prompt' },
];

/** A section's redacted text with each replacement in a <mark> (text nodes only). */
export function MarkedSection({ section }: { section: Section }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [i, r] of section.replacements.entries()) {
    if (r.at < at) continue;
    if (r.at > at) parts.push(section.text.slice(at, r.at));
    const original = r.rule === 'vault' ? 'a vault value' : r.original;
    parts.push(
      <mark key={i} data-rule={r.rule} title={`${r.rule} (${r.action}) replaced: ${original}`}>
        {r.replacement || '∅'}
      </mark>,
    );
    at = r.at + r.replacement.length;
  }
  parts.push(section.text.slice(at));
  return (
    <div className="stack">
      <h3 className="mono">{section.label}</h3>
      <pre className="code-block redact-text" aria-label={`Redacted ${section.label}`}>
        {parts}
      </pre>
    </div>
  );
}

export function countsText(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'nothing replaced' : entries.map(([rule, n]) => `${rule} ${n}`).join(', ');
}

function PatternForm({ onAdded }: { onAdded: () => Promise<void> }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [regex, setRegex] = useState('');
  const [action, setAction] = useState<Action>('mask');
  const { error, busy, run } = useAction();
  const [added, setAdded] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAdded(null);
    await run(async () => {
      const done = await api.call('redact.patterns.add', { name, regex, action });
      if (!done.ok) return done.error;
      setName('');
      setRegex('');
      // The notice says the preview shows the pattern applied: only once the list and the preview have reloaded.
      await onAdded();
      setAdded(done.value.name);
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow" aria-label="Add a pattern">
      <Field
        label="Pattern name"
        hint="Lower-case letters, digits and -; also the pseudonym prefix."
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <Field
        label="Regular expression"
        hint="For example TCK-\d{4,8}. Nested repeats like (a+)+ are refused."
        className="mono"
        value={regex}
        onChange={(e) => setRegex(e.target.value)}
      />
      <div className="field">
        <label htmlFor="pattern-action">Action</label>
        <select id="pattern-action" value={action} onChange={(e) => setAction(e.target.value as Action)}>
          <option value="mask">Mask</option>
          <option value="pseudonymise">Pseudonymise</option>
          <option value="drop">Drop</option>
        </select>
      </div>
      <ErrorNotice error={error} />
      {added && !error && <StatusNotice>Pattern {added} added; the preview shows it applied.</StatusNotice>}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || !name || !regex}>
          {busy ? 'Adding…' : 'Add pattern'}
        </button>
      </div>
    </form>
  );
}

type SitePattern = OpOutput<'redact.patterns.list'>['patterns'][number];

const PATTERN_COLUMNS: readonly Column<SitePattern>[] = [
  { id: 'name', header: 'Name', rowHeader: true, className: 'mono', cell: (p) => p.name },
  { id: 'regex', header: 'Expression', className: 'mono break', cell: (p) => p.regex },
  { id: 'action', header: 'Action', cell: (p) => p.action },
  { id: 'by', header: 'Added by', cell: (p) => p.createdBy },
];

function Patterns({ list, onChanged }: { list: OpState<OpOutput<'redact.patterns.list'>>; onChanged: () => Promise<void> }) {
  const api = useApi();
  const session = useSession();
  const { error, run } = useAction();
  if (!list.data) return <ErrorNotice error={list.error} />;
  const remove = (name: string) =>
    void run(async () => {
      const done = await api.call('redact.patterns.remove', { name });
      if (!done.ok) return done.error;
      await onChanged();
    });
  return (
    <div className="stack">
      <p className="muted">
        Site domains: {list.data.siteDomains.length ? list.data.siteDomains.join(', ') : 'none (an admin sets them in Settings, Redaction)'}{' '}
        · rule sets: run reports {list.data.ruleSets.runsExport}, audit exports {list.data.ruleSets.auditExport}, LLM prompts{' '}
        {list.data.ruleSets.llm}
      </p>
      <ErrorNotice error={error} />
      <DataTable
        caption="Site patterns"
        dense
        columns={PATTERN_COLUMNS}
        rows={list.data.patterns}
        rowKey={(p) => p.name}
        empty="No site patterns yet."
        actions={
          session.can('redact.manage')
            ? (p) => (
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Remove pattern ${p.name}`}
                  onClick={() => remove(p.name)}
                >
                  Remove
                </button>
              )
            : undefined
        }
      />
    </div>
  );
}

function ExportReport({ runId }: { runId: string }) {
  const api = useApi();
  const { error, busy, run } = useAction();
  const [done, setDone] = useState<OpOutput<'runs.export'> | null>(null);
  async function exportReport() {
    setDone(null);
    const outPath = await api.chooseSaveFile({
      title: 'Save the run report',
      defaultName: `run-report-${runId}.json`,
      filters: [{ name: 'Run report', extensions: ['json'] }],
    });
    if (!outPath) return;
    await run(async () => {
      const out = await api.call('runs.export', { id: runId, outPath });
      if (!out.ok) return out.error;
      setDone(out.value);
    });
  }
  return (
    <div className="stack">
      <div>
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void exportReport()}>
          {busy ? 'Exporting…' : 'Export report…'}
        </button>
      </div>
      <ErrorNotice error={error} />
      {done && (
        <StatusNotice>
          Report written to <span className="mono break">{done.path}</span> · rule set {done.ruleSet} {done.version} · {done.replacements}{' '}
          replacement(s) · SHA-256 <span className="mono">{done.sha256.slice(0, 16)}…</span>
        </StatusNotice>
      )}
    </div>
  );
}

/** A reply from off site (a vendor, another team) with this workstation's pseudonyms mapped back. */
function UnmapReply() {
  const api = useApi();
  const [text, setText] = useState('');
  const [result, setResult] = useState<OpOutput<'redact.unmap'> | null>(null);
  const { error, busy, run } = useAction();

  async function unmap(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const out = await api.call('redact.unmap', { text });
      if (!out.ok) return out.error;
      setResult(out.value);
    });
  }

  return (
    <form onSubmit={(e) => void unmap(e)} className="stack" aria-label="Map a reply back">
      <p className="muted">
        Paste an answer that quotes pseudonyms (host-…, ip-…). They are looked up in this workstation&apos;s encrypted map; nothing leaves.
      </p>
      <div className="field">
        <label htmlFor="unmap-text">Reply</label>
        <textarea id="unmap-text" rows={5} className="mono" value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <ErrorNotice error={error} />
      <div>
        <button type="submit" className="btn" disabled={busy || !text}>
          {busy ? 'Mapping…' : 'Map back'}
        </button>
      </div>
      {result && (
        <>
          <p className="muted" role="status">
            {plural(result.mapped, 'pseudonym')} mapped back
            {result.unknown.length > 0 ? `; not in this workstation's map: ${result.unknown.slice(0, 10).join(', ')}` : ''}
          </p>
          <pre className="code-block redact-text" aria-label="Reply with originals">
            {result.text}
          </pre>
        </>
      )}
    </form>
  );
}

/** The latest finished runs as suggestions for the run field (a searchable list; any id may still be typed). */
function RecentRuns({ id }: { id: string }) {
  const runs = useOp('runs.list', { state: 'finished', limit: 200 });
  return (
    <datalist id={id}>
      {runs.data?.runs.map((r) => (
        <option key={r.id} value={r.id}>
          {`${r.task.title} · ${r.bundle.name} ${r.bundle.version} · ${formatTime(r.createdAt)}`}
        </option>
      ))}
    </datalist>
  );
}

export function RedactScreen() {
  const api = useApi();
  const session = useSession();
  const param = useRouteParam();
  const [source, setSource] = useState<'run' | 'text'>(param ? 'run' : 'text');
  const [runId, setRunId] = useState(param);
  const [text, setText] = useState('');
  const [path, setPath] = useState<Path>('runsExport');
  const patterns = useOp('redact.patterns.list', {});
  const [preview, setPreview] = useState<Preview | null>(null);
  const { error, busy, run } = useAction();

  useEffect(() => {
    if (param) {
      setRunId(param);
      setSource('run');
    }
  }, [param]);

  async function show(event?: FormEvent) {
    event?.preventDefault();
    await run(async () => {
      const out = await api.call('redact.preview', source === 'run' ? { runId, path } : { text, path });
      if (!out.ok) return out.error;
      setPreview(out.value);
    });
  }

  /** Resolves once the pattern list, and a preview on screen, show the change. */
  const changed = async () => {
    await Promise.all([patterns.reload(), preview ? show() : undefined]);
  };

  return (
    <>
      <PageHeader
        title="Redaction preview"
        description="Exactly what would leave this workstation, each replacement marked. Nothing is written or sent from here."
      />
      <div className="stack-gap">
        <Card title="What to preview">
          <form onSubmit={(e) => void show(e)} className="stack" aria-label="Preview">
            <div className="field">
              <label htmlFor="redact-source">Source</label>
              <select id="redact-source" value={source} onChange={(e) => setSource(e.target.value as 'run' | 'text')}>
                <option value="run">A run (its report, issues and log)</option>
                <option value="text">Pasted text</option>
              </select>
            </div>
            {source === 'run' ? (
              <>
                <Field
                  label="Run id"
                  hint="Type to search the latest finished runs by task, date or id."
                  placeholder="r-abcdefgh23"
                  className="mono"
                  list="redact-runs"
                  value={runId}
                  onChange={(e) => setRunId(e.target.value.trim())}
                />
                <RecentRuns id="redact-runs" />
              </>
            ) : (
              <div className="field">
                <label htmlFor="redact-text">Text</label>
                <textarea id="redact-text" rows={8} className="mono" value={text} onChange={(e) => setText(e.target.value)} />
              </div>
            )}
            <div className="field">
              <label htmlFor="redact-path">Egress path</label>
              <select id="redact-path" value={path} onChange={(e) => setPath(e.target.value as Path)}>
                {PATHS.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </div>
            <ErrorNotice error={error} />
            <div>
              <button type="submit" className="btn btn-primary" disabled={busy || (source === 'run' ? !runId : !text)}>
                {busy ? 'Redacting…' : 'Show preview'}
              </button>
            </div>
          </form>
        </Card>
        {preview && (
          <Card title="What would leave">
            <p className="muted" role="status" data-replacements={preview.sections.reduce((n, s) => n + s.replacements.length, 0)}>
              Rule set {preview.ruleSet} {preview.version} · {countsText(preview.counts)}
              {preview.vaultValuesMasked ? ' · vault values masked' : ''}
            </p>
            {preview.sections.map((s) => (
              <MarkedSection key={s.label} section={s} />
            ))}
            {source === 'run' && session.can('runs.export') && <ExportReport runId={runId} />}
          </Card>
        )}
        {session.can('redact.unmap') && (
          <Card title="Map a reply back">
            <UnmapReply />
          </Card>
        )}
        <Card title="Site patterns">
          <Patterns list={patterns} onChanged={changed} />
          {session.can('redact.manage') && <PatternForm onAdded={changed} />}
        </Card>
      </div>
    </>
  );
}
