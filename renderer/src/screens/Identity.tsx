import { useState } from 'react';
import { useApi, useSession } from '../api/context';
import { useOp } from '../api/use-op';
import { useAction } from '../api/use-action';
import { Card, PageHeader } from '../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../components/Notice';
import { Modal } from '../components/Modal';
import { formatDate, formatTime } from '../format';

export function IdentityScreen() {
  const api = useApi();
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const identity = useOp('audit.identity', {}, generation);
  const [replacing, setReplacing] = useState(false);
  const [kind, setKind] = useState<'rsa' | 'ec'>('ec');
  const [notice, setNotice] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const id = identity.data;
  return (
    <>
      <PageHeader title="Signing identity" description="The certificate this workstation signs audit exports with. Auditors compare its fingerprint with the one the SIEM expects." />
      <ErrorNotice error={identity.error ?? error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      {id && (
        <Card title="Current identity">
          <dl className="facts">
            <dt>Fingerprint</dt>
            <dd className="mono break">{id.fingerprint}</dd>
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
              void run(async () => {
                const done = await api.call('audit.identityReplace', { generate: kind });
                setReplacing(false);
                if (!done.ok) return done.error;
                setNotice(`New ${kind.toUpperCase()} identity ${done.value.fingerprint}; the old one endorsed it in the audit chain. Tell the SIEM the new fingerprint.`);
                setGeneration((g) => g + 1);
              });
            }}
          >
            <p>Exports made from now on are signed with a new self-signed key. Exports already made keep their signatures.</p>
            <fieldset className="segmented">
              <legend>Key type</legend>
              <label className="check">
                <input type="radio" name="key-kind" checked={kind === 'ec'} onChange={() => setKind('ec')} />
                <span>EC</span>
              </label>
              <label className="check">
                <input type="radio" name="key-kind" checked={kind === 'rsa'} onChange={() => setKind('rsa')} />
                <span>RSA</span>
              </label>
            </fieldset>
            <div className="card-actions">
              <button type="button" className="btn btn-ghost" onClick={() => setReplacing(false)}>
                Cancel
              </button>
              <button type="submit" className="btn btn-danger" disabled={busy}>
                Generate and replace
              </button>
            </div>
          </form>
        </Modal>
      )}
    </>
  );
}
