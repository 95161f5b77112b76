import { Fragment, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { validateInput, type FieldErrors } from '../../api/client';
import { Card } from '../../components/PageHeader';
import { ControlField, Field } from '../../components/Field';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { fingerprint, REFEDS_MFA, type IdentityView } from './identity-words';

type Saml = NonNullable<IdentityView['saml']>;
type MfaChoice = 'refeds' | 'other' | 'none';

const mfaChoiceOf = (context: string | null): MfaChoice => (context === null ? 'none' : context === REFEDS_MFA ? 'refeds' : 'other');

/** Picks the metadata file in the desktop's file dialog; the core reads it (nothing is fetched). */
function ImportMetadata({ replacing, onDone }: { replacing: Saml | null; onDone: (text: string) => Promise<void> }) {
  const api = useApi();
  const [picked, setPicked] = useState<string | null>(null);
  const { error, busy, run } = useAction();

  async function importFile(path: string) {
    const done = await api.call('identity.saml.set', { metadataFile: path });
    if (!done.ok) return done.error;
    setPicked(null);
    await onDone(`Metadata of ${done.value.entityId} imported; its signing certificate is pinned.`);
  }

  async function choose() {
    await run(async () => {
      const path = await api.chooseFile({
        title: 'Choose the identity provider’s metadata file',
        filters: [{ name: 'SAML metadata', extensions: ['xml'] }],
      });
      if (!path) return;
      if (replacing) setPicked(path);
      else return await importFile(path);
    });
  }

  return (
    <>
      <div>
        <button type="button" className="btn" disabled={busy} onClick={() => void choose()}>
          {replacing ? 'Replace metadata file…' : 'Import metadata file…'}
        </button>
      </div>
      <ErrorNotice error={error} />
      {picked && replacing && (
        <ConfirmDialog
          title="Replace the identity provider’s metadata?"
          confirmLabel="Replace metadata"
          cancelLabel="Cancel"
          onConfirm={() => importFile(picked)}
          onClose={() => setPicked(null)}
        >
          <p>
            The signing certificate in <span className="mono break">{picked}</span> replaces the one pinned now (fingerprint{' '}
            <span className="mono">{fingerprint(replacing.certSha256[0] ?? '').slice(0, 23)}…</span>). From then on only answers signed with
            the new certificate are accepted.
          </p>
          <p>The options below (name, multi-factor, clock skew, our addresses) stay as they are.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** What was pinned, in words, and what the IdP's admin needs from us. */
function Pinned({ saml }: { saml: Saml }) {
  return (
    <>
      <dl className="facts" aria-label="Pinned identity provider">
        <dt>Name</dt>
        <dd>{saml.displayName}</dd>
        {saml.certificates.map((c, i) => (
          <Fragment key={c.sha256}>
            <dt>{saml.certificates.length > 1 ? `Signing certificate ${i + 1}` : 'Signing certificate'}</dt>
            <dd>
              <span className="copyable">
                <span className="mono break" aria-label="Signing certificate fingerprint">
                  {fingerprint(c.sha256)}
                </span>
                <CopyButton value={fingerprint(c.sha256)} what="certificate fingerprint" />
              </span>
              <p className="hint">SHA-256 fingerprint. Compare it with the one the identity provider’s admin reads to you.</p>
            </dd>
            <dt>Valid</dt>
            <dd>{c.validFrom ? `${formatTime(c.validFrom)} to ${formatTime(c.validTo)}` : 'unreadable'}</dd>
          </Fragment>
        ))}
      </dl>
      <details>
        <summary>Identity provider details</summary>
        <dl className="facts">
          <dt>Entity id</dt>
          <dd className="mono break">{saml.entityId}</dd>
          <dt>Sign-in address</dt>
          <dd className="mono break">{saml.ssoUrl}</dd>
          <dt>Certificate subject</dt>
          <dd className="mono break">{saml.certificates.map((c) => c.subject).join('; ')}</dd>
          <dt>Metadata file fingerprint</dt>
          <dd className="mono break">{fingerprint(saml.metadataSha256)}</dd>
        </dl>
      </details>
      <h3 className="card-subtitle">For the identity provider’s admin</h3>
      <p className="muted">They register this workstation with these two values (or with our metadata).</p>
      <dl className="facts" aria-label="For the identity provider’s admin">
        <dt>Our entity id</dt>
        <dd>
          <span className="copyable">
            <span className="mono break">{saml.spEntityId}</span>
            <CopyButton value={saml.spEntityId} what="entity id" />
          </span>
        </dd>
        <dt>Answer address (ACS URL)</dt>
        <dd>
          <span className="copyable">
            <span className="mono break">{saml.acsUrl}</span>
            <CopyButton value={saml.acsUrl} what="answer address" />
          </span>
          <p className="hint">On this workstation only: the identity provider’s page sends the person’s browser back here.</p>
        </dd>
        <dt>Our metadata</dt>
        <dd>
          <CopyButton value={saml.spMetadata} what="our metadata" />
        </dd>
      </dl>
    </>
  );
}

function IdpOptions({ saml, onDone }: { saml: Saml; onDone: (text: string) => Promise<void> }) {
  const api = useApi();
  const [displayName, setDisplayName] = useState(saml.displayName);
  const [mfa, setMfa] = useState<MfaChoice>(mfaChoiceOf(saml.requiredAuthnContext));
  const [otherClass, setOtherClass] = useState(mfaChoiceOf(saml.requiredAuthnContext) === 'other' ? saml.requiredAuthnContext! : '');
  const [skew, setSkew] = useState(String(saml.clockSkewSeconds));
  const [groupAttribute, setGroupAttribute] = useState(saml.groupAttribute);
  const [userAttribute, setUserAttribute] = useState(saml.userAttribute);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    const seconds = Number(skew);
    if (!/^\d+$/.test(skew.trim()) || seconds > 300) found.clockSkewSeconds = 'A whole number of seconds from 0 to 300.';
    if (mfa === 'other' && !otherClass.trim())
      found.requiredAuthnContext = 'Type the class the identity provider asserts, or pick another choice.';
    const input = {
      displayName: displayName.trim(),
      requiredAuthnContext: mfa === 'none' ? null : mfa === 'refeds' ? REFEDS_MFA : otherClass.trim(),
      clockSkewSeconds: seconds,
      groupAttribute: groupAttribute.trim(),
      userAttribute: userAttribute.trim(),
    };
    Object.assign(found, { ...(validateInput('identity.saml.set', input) ?? {}), ...found });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    await run(async () => {
      const done = await api.call('identity.saml.set', input);
      if (!done.ok) return done.error;
      await onDone('Identity provider options saved.');
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow" aria-label="Identity provider options">
      <Field
        label="Name on the sign-in screen"
        hint="People see “Sign in with” this name."
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
        error={errors.displayName}
      />
      <ControlField
        label="Multi-factor authentication"
        hint="Asked for at every sign-in and checked in the answer: an answer without it is refused."
        control={(aria) => (
          <select {...aria} value={mfa} onChange={(e) => setMfa(e.target.value as MfaChoice)}>
            <option value="refeds">Required (REFEDS multi-factor profile)</option>
            <option value="other">Required, with another class the identity provider names</option>
            <option value="none">Not asked for (the identity provider’s own policy)</option>
          </select>
        )}
      />
      {mfa === 'other' && (
        <Field
          label="Authentication class"
          hint="As the identity provider’s admin gives it, for example http://schemas.microsoft.com/claims/multipleauthn for ADFS."
          value={otherClass}
          onChange={(e) => setOtherClass(e.target.value)}
          error={errors.requiredAuthnContext}
        />
      )}
      <Field
        label="Clock difference allowed (seconds)"
        hint="How far this workstation’s clock and the identity provider’s may differ, 0 to 300."
        inputMode="numeric"
        value={skew}
        onChange={(e) => setSkew(e.target.value)}
        error={errors.clockSkewSeconds}
      />
      <Field
        label="Group attribute"
        hint="The attribute whose values are matched against the group mappings below."
        value={groupAttribute}
        onChange={(e) => setGroupAttribute(e.target.value)}
        error={errors.groupAttribute}
      />
      <Field
        label="User name attribute"
        hint="Its value must equal the person’s user name here."
        value={userAttribute}
        onChange={(e) => setUserAttribute(e.target.value)}
        error={errors.userAttribute}
      />
      <ErrorNotice error={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save options'}
        </button>
      </div>
    </form>
  );
}

export function IdpCard({ view, onChanged }: { view: IdentityView; onChanged: () => Promise<void> }) {
  const [message, setMessage] = useState<string | null>(null);
  const done = async (text: string) => {
    await onChanged();
    setMessage(text);
  };
  const saml = view.saml;
  return (
    <Card title="Identity provider (SAML)">
      <div className="grid grid-main-side">
        <div className="stack">
          {saml ? (
            <Pinned saml={saml} />
          ) : (
            <p className="muted">
              No identity provider yet. Ask the site’s identity team for its metadata file (XML) and import it here. It is read from the
              file only; nothing is fetched over the network.
            </p>
          )}
          <ImportMetadata replacing={saml} onDone={done} />
          {message && <StatusNotice>{message}</StatusNotice>}
        </div>
        {saml && (
          <div className="stack">
            <h3 className="card-subtitle">Options</h3>
            <IdpOptions key={`${saml.metadataSha256}:${saml.displayName}`} saml={saml} onDone={done} />
          </div>
        )}
      </div>
    </Card>
  );
}
