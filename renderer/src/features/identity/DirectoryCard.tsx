import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { validateInput, type FieldErrors } from '../../api/client';
import { Card } from '../../components/PageHeader';
import { ControlField, Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { fingerprint, type IdentityView } from './identity-words';

type Ldap = NonNullable<IdentityView['ldap']>;
type Security = 'ldaps' | 'starttls';
type GroupMode = Ldap['groupMode'];

/**
 * The LDAP/AD directory: where it is, how the connection is protected (LDAPS or StartTLS, trusting
 * only the site CA), how a user name becomes the name the person binds as, and where groups are
 * read. There is no "Test connection": the core binds only as the person signing in, with their
 * own directory password, so there is nothing to test without one.
 */
function DirectoryForm({ ldap, onDone }: { ldap: Ldap | null; onDone: (text: string) => Promise<void> }) {
  const api = useApi();
  const [url, setUrl] = useState(ldap?.url ?? '');
  const [security, setSecurity] = useState<Security>(ldap?.startTls ? 'starttls' : 'ldaps');
  const [caFile, setCaFile] = useState<string | null>(null);
  const [template, setTemplate] = useState(ldap?.userDnTemplate ?? '');
  const [groupMode, setGroupMode] = useState<GroupMode>(ldap?.groupMode ?? 'member');
  const [groupBase, setGroupBase] = useState(ldap?.groupBase ?? '');
  const [serverName, setServerName] = useState(ldap?.serverName ?? '');
  const [timeout, setTimeoutText] = useState(String((ldap?.timeoutMs ?? 5000) / 1000));
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();

  async function chooseCa() {
    const path = await api.chooseFile({
      title: 'Choose the site CA certificate (PEM)',
      filters: [{ name: 'PEM certificates', extensions: ['pem', 'crt', 'cer'] }],
    });
    if (path) setCaFile(path);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    const address = url.trim();
    if (!/^ldaps?:\/\/[^/\s]+$/.test(address)) found.url = 'Type the address as ldaps://HOST:PORT, or ldap://HOST:PORT for StartTLS.';
    else if (security === 'ldaps' && !address.startsWith('ldaps://')) found.url = 'LDAPS addresses start with ldaps://.';
    else if (security === 'starttls' && !address.startsWith('ldap://')) found.url = 'With StartTLS the address starts with ldap://.';
    if (!template.includes('{user}'))
      found.userDnTemplate = 'Put {user} where the user name goes, for example uid={user},ou=people,dc=example,dc=org.';
    if (groupMode === 'member' && !groupBase.trim())
      found.groupBase = 'Type where the group entries are, for example ou=groups,dc=example,dc=org.';
    const seconds = Number(timeout);
    if (!/^\d+(\.\d+)?$/.test(timeout.trim()) || seconds < 0.5 || seconds > 60) found.timeoutMs = 'A number of seconds from 0.5 to 60.';
    if (!ldap && !caFile) found.caFile = 'Choose the site CA certificate: the only authority the directory’s certificate may chain to.';
    const input = {
      url: address,
      startTls: security === 'starttls',
      userDnTemplate: template.trim(),
      groupMode,
      groupBase: groupMode === 'member' ? groupBase.trim() : null,
      serverName: serverName.trim() || null,
      timeoutMs: Math.round(seconds * 1000),
      ...(caFile ? { caFile } : {}),
    };
    Object.assign(found, { ...(validateInput('identity.ldap.set', input) ?? {}), ...found });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    await run(async () => {
      const done = await api.call('identity.ldap.set', input);
      if (!done.ok) return done.error;
      setCaFile(null);
      await onDone('Directory settings saved.');
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow" aria-label="Directory settings">
      <Field
        label="Directory address"
        hint="For example ldaps://dc1.example.org:636, or ldap://dc1.example.org:389 with StartTLS."
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={errors.url}
        autoComplete="off"
      />
      <fieldset className="segmented">
        <legend>Connection protection</legend>
        <label className="check">
          <input type="radio" name="ldap-security" checked={security === 'ldaps'} onChange={() => setSecurity('ldaps')} />
          <span>LDAPS (encrypted from the start)</span>
        </label>
        <label className="check">
          <input type="radio" name="ldap-security" checked={security === 'starttls'} onChange={() => setSecurity('starttls')} />
          <span>StartTLS (encrypted before anything is sent)</span>
        </label>
      </fieldset>
      <div className="field">
        <span className="label-text">Site CA certificate</span>
        <p className="hint" id="ldap-ca-now">
          {caFile ? (
            <>
              Chosen: <span className="mono break">{caFile}</span> (saved with the settings)
            </>
          ) : ldap ? (
            <>
              Pinned: {ldap.caSubject}, fingerprint <span className="mono break">{fingerprint(ldap.caSha256)}</span>
            </>
          ) : (
            'None chosen yet. The directory’s certificate must chain to this authority and no other.'
          )}
        </p>
        <div>
          <button type="button" className="btn" aria-describedby="ldap-ca-now" onClick={() => void chooseCa()}>
            {ldap ? 'Choose another CA file…' : 'Choose CA file…'}
          </button>
        </div>
        {errors.caFile && <p className="field-error">{errors.caFile}</p>}
      </div>
      <Field
        label="Certificate name (optional)"
        hint="The name the directory’s certificate must carry, when it differs from the host in the address."
        value={serverName}
        onChange={(e) => setServerName(e.target.value)}
        error={errors.serverName}
        autoComplete="off"
      />
      <Field
        label="User name pattern"
        hint="The name a person signs in to the directory as; {user} is replaced by the user name they type. For example uid={user},ou=people,dc=example,dc=org, or {user}@example.org for Active Directory."
        value={template}
        onChange={(e) => setTemplate(e.target.value)}
        error={errors.userDnTemplate}
        autoComplete="off"
      />
      <ControlField
        label="Groups are read from"
        control={(aria) => (
          <select {...aria} value={groupMode} onChange={(e) => setGroupMode(e.target.value as GroupMode)}>
            <option value="member">Group entries that list the person as a member</option>
            <option value="memberOf">The person’s own memberOf values (Active Directory)</option>
          </select>
        )}
      />
      {groupMode === 'member' && (
        <Field
          label="Where the groups are"
          hint="The branch holding the group entries, for example ou=groups,dc=example,dc=org. Map each group by its name (cn)."
          value={groupBase}
          onChange={(e) => setGroupBase(e.target.value)}
          error={errors.groupBase}
          autoComplete="off"
        />
      )}
      <Field
        label="Wait for the directory (seconds)"
        hint="A sign-in gives up after this long without an answer, 0.5 to 60."
        inputMode="decimal"
        value={timeout}
        onChange={(e) => setTimeoutText(e.target.value)}
        error={errors.timeoutMs}
      />
      <ErrorNotice error={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save directory settings'}
        </button>
      </div>
    </form>
  );
}

export function DirectoryCard({ view, onChanged }: { view: IdentityView; onChanged: () => Promise<void> }) {
  const [message, setMessage] = useState<string | null>(null);
  return (
    <Card title="Directory (LDAP or Active Directory)">
      <div className="stack">
        <p className="muted">
          People sign in to the directory with their own directory password; this workstation keeps no directory password. Connections are
          always encrypted and trust only the site CA.
        </p>
        <DirectoryForm
          key={view.ldap ? `${view.ldap.url}:${view.ldap.caSha256}` : 'none'}
          ldap={view.ldap}
          onDone={async (text) => {
            await onChanged();
            setMessage(text);
          }}
        />
        {message && <StatusNotice>{message}</StatusNotice>}
      </div>
    </Card>
  );
}
