import { useState } from 'react';
import { plural } from '../../format';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice } from '../../components/Notice';
import { CopyButton } from '../../components/CopyButton';

type Verified = OpOutput<'audit.verify'>;

/** A continuity finding as text, whatever shape the core gives it. */
function findingText(f: unknown): string {
  if (typeof f === 'string') return f;
  if (f && typeof f === 'object' && 'message' in f && typeof f.message === 'string') {
    const kind = 'kind' in f ? `${String(f.kind)}: ` : '';
    return kind + f.message;
  }
  return JSON.stringify(f);
}

export function VerifyScreen() {
  const api = useApi();
  const [paths, setPaths] = useState<string[]>([]);
  const [result, setResult] = useState<Verified | null>(null);
  // The CA certificate is public: read in the page and sent as PEM text (`--ca`).
  const [ca, setCa] = useState<{ name: string; pem: string } | null>(null);
  const [caError, setCaError] = useState<string | null>(null);
  const [caKey, setCaKey] = useState(0);

  async function chooseCa(file: File | undefined) {
    setCaError(null);
    if (!file) return setCa(null);
    if (file.size > 100_000) return setCaError('A CA certificate file is at most 100 kB.');
    const pem = await file.text();
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      return setCaError(`${file.name} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
    setCa({ name: file.name, pem });
  }
  const { error, busy, run } = useAction();

  async function add() {
    const path = await api.chooseFile({
      title: 'Choose an audit export bundle',
      filters: [{ name: 'Audit export', extensions: ['gz', 'tar.gz'] }],
    });
    if (path && !paths.includes(path)) setPaths([...paths, path]);
  }

  return (
    <>
      <PageHeader
        title="Verify audit bundles"
        description="Check export bundles: signature, files, chain and continuity between them. Works on any workstation."
      />
      <div className="stack-gap">
        <Card title="Bundles to verify">
          {paths.length === 0 ? (
            <p className="empty">No bundle chosen yet. Add one or several, oldest first or in any order.</p>
          ) : (
            <ul className="plain-list" aria-label="Chosen bundles">
              {paths.map((p) => (
                <li key={p} className="row-inputs">
                  <span className="mono break">{p}</span>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    aria-label={`Remove ${p}`}
                    onClick={() => setPaths(paths.filter((x) => x !== p))}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="field">
            <label htmlFor="verify-ca">CA certificate (optional, PEM)</label>
            <input
              key={caKey}
              id="verify-ca"
              type="file"
              accept=".pem,.crt,.cer"
              aria-describedby="verify-ca-hint"
              aria-invalid={caError ? true : undefined}
              onChange={(e) => void chooseCa(e.target.files?.[0])}
            />
            <p id="verify-ca-hint" className="hint">
              {ca ? `Signers must chain to ${ca.name}.` : 'With your organisation’s CA, each signer is also checked against it.'}
            </p>
            {caError && <p className="field-error">{caError}</p>}
            {ca && (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => (setCa(null), setCaKey((k) => k + 1))}>
                Verify without the CA
              </button>
            )}
          </div>
          <ErrorNotice error={error} />
          <div className="card-actions">
            <button type="button" className="btn" onClick={() => void add()}>
              Add a bundle…
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy || paths.length === 0}
              onClick={() =>
                void run(async () => {
                  setResult(null);
                  const done = await api.call('audit.verify', { paths, ...(ca ? { caPem: ca.pem } : {}) });
                  if (!done.ok) return done.error;
                  setResult(done.value);
                })
              }
            >
              {busy ? 'Verifying…' : 'Verify'}
            </button>
          </div>
        </Card>
        {result && (
          <section className="card" aria-label="Verification result">
            <h2 className="card-title">Verification result</h2>
            <p role="status" className={`notice notice-${result.ok ? 'success' : 'error'}`}>
              {result.ok
                ? `All ${plural(result.bundles.length, 'bundle')} verified.`
                : `Verification failed: ${result.firstProblem ?? 'see below'}`}
            </p>
            {result.bundles.map((b) => (
              <article key={b.path} className="verify-bundle" aria-label={`Bundle ${b.exportId ?? b.path}`}>
                <h3>
                  <span className={`badge badge-${b.ok ? 'success' : 'danger'}`}>{b.ok ? 'verified' : 'failed'}</span>{' '}
                  <span className="mono">{b.exportId ?? b.path}</span>
                </h3>
                <dl className="facts facts-compact">
                  <dt>File</dt>
                  <dd className="mono break">{b.path}</dd>
                  <dt>Range</dt>
                  <dd>{b.range ? `#${b.range.firstSeq} to #${b.range.lastSeq} (${plural(b.range.count, 'event')})` : '—'}</dd>
                  <dt>Signer fingerprint</dt>
                  <dd className="mono break">
                    {b.signer?.fingerprint ?? '—'}{' '}
                    {b.signer?.fingerprint && <CopyButton value={b.signer.fingerprint} what="signer fingerprint" />}
                  </dd>
                  <dt>Signer</dt>
                  <dd>
                    {b.signer?.subject ?? '—'}
                    {b.signer && b.signer.trusted !== null
                      ? b.signer.trusted
                        ? ' (chains to the given CA)'
                        : ' (does not chain to the given CA)'
                      : ''}
                  </dd>
                </dl>
                {b.problems.length > 0 && (
                  <ul className="problems">
                    {b.problems.map((p, i) => (
                      <li key={i}>
                        <span className="mono">{p.kind}</span>: {p.message}
                      </li>
                    ))}
                  </ul>
                )}
              </article>
            ))}
            <h3 className="card-subtitle">Continuity</h3>
            {result.continuity.length === 0 ? (
              <p className="muted">No gaps or overlaps between the bundles.</p>
            ) : (
              <ul className="problems" aria-label="Continuity findings">
                {result.continuity.map((f, i) => (
                  <li key={i}>{findingText(f)}</li>
                ))}
              </ul>
            )}
          </section>
        )}
      </div>
    </>
  );
}
