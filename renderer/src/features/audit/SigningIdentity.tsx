import { useEffect, useRef, useState } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { Modal } from '../../components/Modal';
import { Field } from '../../components/Field';
import { formatDate, formatTime } from '../../format';
import { CopyButton } from '../../components/CopyButton';
import { PinDialog } from '../../components/PinDialog';
import { TokenFields } from '../../components/TokenFields';
import type { Problem } from '../../api/use-action';

type Kind = 'rsa' | 'ec' | 'pkcs12' | 'token';
/** `new`: the PIN of the token the new key is on (`alsoOld`: the current key is on the same token); `old`: the current key's token. */
type PinStep = { which: 'new' | 'old'; token: string; alsoOld: boolean };

const sameToken = (a: { module: string; token: string }, module: string, token: string) => a.module === module && a.token === token;

export function SigningIdentityScreen() {
  const api = useApi();
  const session = useSession();
  const identity = useOp('audit.identity', {});
  const [replacing, setReplacing] = useState(false);
  const [kind, setKind] = useState<Kind>('ec');
  const [module, setModule] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [keyLabel, setKeyLabel] = useState('');
  const [generate, setGenerate] = useState(true);
  /** Which token's PIN the PIN dialog asks for now; null: no PIN dialog. */
  const [asking, setAsking] = useState<PinStep | null>(null);
  /** The new token's PIN, held only between two PIN dialogs (old and new key on different tokens), cleared after the call. */
  const firstPin = useRef<string | null>(null);
  useEffect(() => {
    if (!asking) firstPin.current = null;
  }, [asking]);
  const [p12, setP12] = useState<string | null>(null);
  const [p12Password, setP12Password] = useState('');
  const [p12Error, setP12Error] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const id = identity.data;

  /** The one call that replaces the identity, with the PINs it needs (never kept after it). */
  async function replace(pin: string | undefined, oldPin: string | undefined): Promise<Problem | undefined> {
    const pins = { ...(oldPin ? { oldPin } : {}) };
    const done = await api.call(
      'audit.identityReplace',
      kind === 'token'
        ? { pkcs11: { module: module!, token: token.trim(), keyLabel: keyLabel.trim() }, generateKey: generate, pin: pin!, ...pins }
        : kind === 'pkcs12'
          ? { pkcs12File: p12!, password: p12Password, ...pins }
          : { generate: kind, ...pins },
    );
    if (!done.ok) return done.error;
    setReplacing(false);
    setP12Password('');
    await identity.reload();
    setNotice(
      kind === 'pkcs12'
        ? `Identity ${done.value.fingerprint} imported from ${p12!.split('/').pop() ?? 'the PKCS#12 file'}; the old one endorsed it in the audit chain. Tell the SIEM the new fingerprint.`
        : kind === 'token'
          ? `Identity ${done.value.fingerprint} on the token ${token.trim()}; the old one endorsed it in the audit chain. Exports now ask for the token's PIN. Tell the SIEM the new fingerprint.`
          : `New ${kind.toUpperCase()} identity ${done.value.fingerprint}; the old one endorsed it in the audit chain. Tell the SIEM the new fingerprint.`,
    );
  }

  /** One PIN dialog's answer: the call, or (new and old keys on different tokens) the old token's PIN first. */
  async function withPin(step: PinStep, pin: string): Promise<Problem | undefined> {
    if (step.which === 'new' && !step.alsoOld && id?.token) {
      firstPin.current = pin;
      setAsking({ which: 'old', token: id.token.token, alsoOld: false });
      return undefined;
    }
    try {
      if (step.which === 'new') return await replace(pin, step.alsoOld ? pin : undefined);
      return await replace(firstPin.current ?? undefined, pin);
    } finally {
      firstPin.current = null;
    }
  }

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
              {id.keyType} ({id.keyLabel}),{' '}
              {id.token
                ? `on the hardware token ${id.token.token}, key ${id.token.keyLabel}: exports ask for its PIN`
                : 'sealed in this workstation'}
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
              if (kind === 'token' && !module) return setP12Error("Choose the token's PKCS#11 library.");
              if (kind === 'token' && (!token.trim() || !keyLabel.trim())) return setP12Error('Give the token label and the key label.');
              setP12Error(null);
              const old = id?.token ?? null;
              if (kind === 'token')
                return setAsking({ which: 'new', token: token.trim(), alsoOld: old !== null && sameToken(old, module!, token.trim()) });
              if (old) return setAsking({ which: 'old', token: old.token, alsoOld: false });
              void run(async () => await replace(undefined, undefined));
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
              <label className="check">
                <input type="radio" name="key-kind" checked={kind === 'token'} onChange={() => setKind('token')} />
                <span>A key on a hardware token</span>
              </label>
            </fieldset>
            {kind === 'token' && (
              <>
                <TokenFields
                  module={module}
                  setModule={setModule}
                  token={token}
                  setToken={setToken}
                  keyLabel={keyLabel}
                  setKeyLabel={setKeyLabel}
                  generate={generate}
                  setGenerate={setGenerate}
                />
                {p12Error && <p className="field-error">{p12Error}</p>}
              </>
            )}
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
                {kind === 'pkcs12' ? 'Import and replace' : kind === 'token' ? 'Use the token key…' : 'Generate and replace'}
              </button>
            </div>
          </form>
        </Modal>
      )}
      {asking && (
        <PinDialog
          key={asking.which}
          title={
            asking.which === 'new' ? 'Make the new identity on the hardware token' : 'Endorse it with the current identity on its token'
          }
          token={asking.token}
          submitLabel={asking.which === 'new' && !asking.alsoOld && id?.token ? 'Next' : 'Replace the identity'}
          use={(pin) => withPin(asking, pin)}
          onClose={() => setAsking((now) => (now === asking ? null : now))}
        >
          <p>
            {asking.which === 'new'
              ? `The new identity's key ${generate ? 'is made' : 'is'} on this token, and its certificate is signed there.`
              : 'The current identity signs the new certificate in the audit chain, which shows auditors the change was made here.'}{' '}
            Exports made from now on are signed with the new identity.
          </p>
        </PinDialog>
      )}
    </>
  );
}
