import { useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { Modal } from '../../components/Modal';
import { Field } from '../../components/Field';
import { formatDate, formatTime } from '../../format';
import { CopyButton } from '../../components/CopyButton';

export function SigningIdentityScreen() {
  const api = useApi();
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const identity = useOp('audit.identity', {}, generation);
  const [replacing, setReplacing] = useState(false);
  const [kind, setKind] = useState<'rsa' | 'ec' | 'pkcs12'>('ec');
  const [p12, setP12] = useState<string | null>(null);
  const [p12Password, setP12Password] = useState('');
  const [p12Error, setP12Error] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const id = identity.data;
  return (
    <>
      <PageHeader
        title="Signing identity"
        description="The certificate this workstation signs audit exports with. Auditors compare its fingerprint with the one the SIEM expects."
      />
      <ErrorNotice error={identity.error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      {id && (
        <Card title="Current identity">
          <dl className="facts">
            <dt>Fingerprint</dt>
            <dd className="mono break">
              {id.fingerprint} <CopyButton value={id.fingerprint} what="fingerprint" />
            </dd>
            <dt>Subject</dt>
            <dd>{id.subject}</dd>
            <dt>Issuer</dt>
            <dd>{id.issuer}</dd>
            <dt>Key</dt>
            <dd>
              {id.keyType} ({id.keyLabel})
            </dd>
            <dt>Valid</dt>
            <dd>
              {formatDate(id.notBefore)} to {formatDate(id.notAfter)}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(id.createdAt)}</dd>
          </dl>
          <details>
            <summary>Certificate (PEM)</summary>
            <pre className="code-block">{id.certPem}</pre>
          </details>
          {session.can('settings.manage') && (
            <div className="card-actions">
              <button type="button" className="btn btn-danger-ghost" onClick={() => setReplacing(true)}>
                Replace identity…
              </button>
            </div>
          )}
        </Card>
      )}
      {replacing && (
        <Modal title="Replace the signing identity" onClose={() => setReplacing(false)}>
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (kind === 'pkcs12' && !p12) return setP12Error('Choose the PKCS#12 file (.p12 or .pfx) from your CA.');
              void run(async () => {
                const done = await api.call(
                  'audit.identityReplace',
                  kind === 'pkcs12' ? { pkcs12File: p12!, password: p12Password } : { generate: kind },
                );
                if (!done.ok) return done.error;
                setReplacing(false);
                setP12Password('');
                setNotice(
                  kind === 'pkcs12'
                    ? `Identity ${done.value.fingerprint} imported from ${p12!.split('/').pop() ?? 'the PKCS#12 file'}; the old one endorsed it in the audit chain. Tell the SIEM the new fingerprint.`
                    : `New ${kind.toUpperCase()} identity ${done.value.fingerprint}; the old one endorsed it in the audit chain. Tell the SIEM the new fingerprint.`,
                );
                setGeneration((g) => g + 1);
              });
            }}
          >
            <p>Exports made from now on are signed with the new identity. Exports already made keep their signatures.</p>
            <fieldset className="segmented">
              <legend>New identity</legend>
              <label className="check">
                <input type="radio" name="key-kind" checked={kind === 'ec'} onChange={() => setKind('ec')} />
                <span>Generate EC</span>
              </label>
              <label className="check">
                <input type="radio" name="key-kind" checked={kind === 'rsa'} onChange={() => setKind('rsa')} />
                <span>Generate RSA</span>
              </label>
              <label className="check">
                <input type="radio" name="key-kind" checked={kind === 'pkcs12'} onChange={() => setKind('pkcs12')} />
                <span>Import from our CA (PKCS#12)</span>
              </label>
            </fieldset>
            {kind === 'pkcs12' && (
              <>
                <div className="row-inputs">
                  <button
                    type="button"
                    className="btn"
                    aria-describedby={p12Error ? 'p12-error' : undefined}
                    onClick={() =>
                      void api
                        .chooseFile({ title: 'Choose the PKCS#12 file', filters: [{ name: 'PKCS#12', extensions: ['p12', 'pfx'] }] })
                        .then((path) => {
                          if (!path) return;
                          setP12(path);
                          setP12Error(null);
                        })
                    }
                  >
                    Choose PKCS#12 file…
                  </button>
                  <span className="mono break" aria-label="Chosen PKCS#12 file">
                    {p12 ?? 'Nothing chosen'}
                  </span>
                </div>
                {p12Error && (
                  <p id="p12-error" className="field-error">
                    {p12Error}
                  </p>
                )}
                <Field
                  label="PKCS#12 password"
                  type="password"
                  autoComplete="off"
                  value={p12Password}
                  onChange={(e) => setP12Password(e.target.value)}
                  hint="Used once to open the file; never stored or logged."
                />
              </>
            )}
            <ErrorNotice error={error} />
            <div className="card-actions">
              <button type="button" className="btn btn-ghost" onClick={() => setReplacing(false)}>
                Cancel
              </button>
              <button type="submit" className="btn btn-danger" disabled={busy}>
                {kind === 'pkcs12' ? 'Import and replace' : 'Generate and replace'}
              </button>
            </div>
          </form>
        </Modal>
      )}
    </>
  );
}
