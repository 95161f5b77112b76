import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { PinDialog } from '../../components/PinDialog';
import { TokenFields } from '../../components/TokenFields';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { formatTime } from '../../format';

type Ca = OpOutput<'sshCa.list'>['cas'][number];
type Grant = OpOutput<'sshCa.list'>['grants'][number];
type Certificate = OpOutput<'sshCa.issued'>['certificates'][number];

/** Who did it, as people read it: "sara" rather than "user:sara". */
const who = (actor: string) => actor.replace(/^user:/, '');

function storageText(ca: Ca): string {
  return ca.storage === 'pkcs11' && ca.token ? `hardware token ${ca.token.token}, key ${ca.token.keyLabel}` : 'sealed in the vault';
}

/** The active CA: what hosts must trust, and where its key lives. */
function ActiveCa({ ca }: { ca: Ca | undefined }) {
  if (!ca) {
    return (
      <Card title="Active authority">
        <p className="muted">No certificate authority yet. Create one to give runs short-lived SSH certificates.</p>
      </Card>
    );
  }
  return (
    <Card title="Active authority">
      <dl className="facts">
        <dt>Name</dt>
        <dd className="mono">{ca.name}</dd>
        <dt>Public key</dt>
        <dd>
          <span className="copyable">
            <span className="mono break" aria-label="Public key">
              {ca.publicKey}
            </span>
            <CopyButton value={ca.publicKey} what="public key" />
          </span>
          <p className="hint">Hosts that runs connect to must trust this key for user certificates.</p>
        </dd>
        <dt>Fingerprint</dt>
        <dd className="mono break">{ca.fingerprint}</dd>
        <dt>Key</dt>
        <dd>
          {ca.keyType}, {storageText(ca)}
        </dd>
        <dt>Created</dt>
        <dd>
          {formatTime(ca.createdAt)} by {who(ca.createdBy)}
        </dd>
      </dl>
    </Card>
  );
}

const RETIRED_COLUMNS: readonly Column<Ca>[] = [
  { id: 'name', header: 'Name', rowHeader: true, className: 'mono', cell: (c) => c.name },
  { id: 'fingerprint', header: 'Fingerprint', className: 'mono', cell: (c) => c.fingerprint },
  { id: 'created', header: 'Created', cell: (c) => `${formatTime(c.createdAt)} by ${who(c.createdBy)}` },
];

type Source = 'vault' | 'file' | 'token';

/** The new authority's key: made here, imported from a key file, or on a hardware token (the PIN asked at the moment of use). */
function CreateCa({ hasActive, onDone }: { hasActive: boolean; onDone: () => Promise<void> }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [source, setSource] = useState<Source>('vault');
  const [keyFile, setKeyFile] = useState<string | null>(null);
  const [module, setModule] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [keyLabel, setKeyLabel] = useState('');
  const [generate, setGenerate] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [made, setMade] = useState<string | null>(null);
  const caName = name.trim();

  /** The notice says "active" only once the screen shows the new authority as active. */
  async function finished(value: { name: string }) {
    setName('');
    setKeyFile(null);
    await onDone();
    setMade(value.name);
  }

  async function createOrImport() {
    const done =
      source === 'file'
        ? await api.call('sshCa.import', { name: caName, keyFile: keyFile! })
        : await api.call('sshCa.create', { name: caName });
    if (!done.ok) return done.error;
    await finished(done.value);
  }

  async function useToken(pin: string) {
    const done = await api.call('sshCa.addToken', {
      name: caName,
      module: module!,
      token: token.trim(),
      keyLabel: keyLabel.trim(),
      generateKey: generate,
      pin,
    });
    if (!done.ok) return done.error;
    await finished(done.value);
  }

  async function chooseKeyFile() {
    const path = await api.chooseFile({ title: "Choose the CA's private key file" });
    if (!path) return;
    setKeyFile(path);
    setProblem(null);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setMade(null);
    if (source === 'file' && !keyFile) return setProblem("Choose the CA's private key file.");
    if (source === 'token' && !module) return setProblem("Choose the token's PKCS#11 library.");
    if (source === 'token' && (!token.trim() || !keyLabel.trim())) return setProblem('Give the token label and the key label.');
    setProblem(null);
    setConfirming(true);
  }

  const where =
    source === 'vault' ? (
      <>
        A new key named <span className="mono">{caName}</span> is made on this workstation and sealed in the vault.
      </>
    ) : source === 'file' ? (
      <>
        The key in <span className="mono break">{keyFile}</span> is sealed in the vault as <span className="mono">{caName}</span>. Delete or
        lock away the file afterwards: the vault now holds the key.
      </>
    ) : (
      <>
        {generate ? 'A new key, labelled ' : 'The key labelled '}
        <span className="mono">{keyLabel.trim()}</span>
        {generate ? ', is made on the token ' : ' on the token '}
        <span className="mono">{token.trim()}</span> and becomes <span className="mono">{caName}</span>. The key never leaves the token;
        each run that needs a certificate asks for the PIN.
      </>
    );
  const retired = hasActive && (
    <p>
      <strong>The current authority is retired.</strong> Hosts must trust the new public key before the next run that connects to them, or
      those connections are refused.
    </p>
  );

  return (
    <Card title="Create a new authority">
      <form onSubmit={submit} noValidate className="stack" aria-label="Create a new authority">
        <Field
          label="Name"
          hint='Lower-case letters, digits, "_", "." and "-", for example site-ca-2026.'
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <fieldset className="stack">
          <legend>Key</legend>
          {(
            [
              ['vault', 'Make a new key here', 'An ed25519 key, sealed in the vault.'],
              ['file', 'Import a key file', 'An OpenSSH ed25519 private key without a passphrase.'],
              ['token', 'A key on a hardware token', 'A smart card, HSM or USB token; the PIN is asked at each use, never stored.'],
            ] as const
          ).map(([id, label, hint]) => (
            <label className="check" key={id}>
              <input type="radio" name="sshca-source" checked={source === id} onChange={() => (setSource(id), setProblem(null))} />
              <span>
                <span>{label}</span>
                <span className="check-hint">{hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {source === 'file' && (
          <div className="row-inputs">
            <button type="button" className="btn" onClick={() => void chooseKeyFile()}>
              Choose key file…
            </button>
            <span className="mono break" aria-label="Chosen key file">
              {keyFile ?? 'Nothing chosen'}
            </span>
          </div>
        )}
        {source === 'token' && (
          <TokenFields
            module={module}
            setModule={(path) => (setModule(path), setProblem(null))}
            token={token}
            setToken={setToken}
            keyLabel={keyLabel}
            setKeyLabel={setKeyLabel}
            generate={generate}
            setGenerate={setGenerate}
          />
        )}
        {problem && <p className="field-error">{problem}</p>}
        {made && <StatusNotice>Authority {made} created and active.</StatusNotice>}
        <div>
          <button type="submit" className="btn btn-primary" disabled={!caName}>
            {source === 'file' ? 'Import authority…' : source === 'token' ? 'Use token key…' : 'Create authority…'}
          </button>
        </div>
      </form>
      {confirming && source !== 'token' && (
        <ConfirmDialog
          title={source === 'file' ? 'Import an SSH certificate authority?' : 'Create a new SSH certificate authority?'}
          confirmLabel={source === 'file' ? 'Import authority' : 'Create authority'}
          cancelLabel="Cancel"
          onConfirm={createOrImport}
          onClose={() => setConfirming(false)}
        >
          <p>{where} It signs every certificate from now on.</p>
          {retired}
        </ConfirmDialog>
      )}
      {confirming && source === 'token' && (
        <PinDialog
          title="Use a key on a hardware token as the SSH certificate authority?"
          token={token.trim()}
          submitLabel={generate ? 'Make the key and use it' : 'Use the key'}
          use={useToken}
          onClose={() => setConfirming(false)}
        >
          <p>{where} It signs every certificate from now on.</p>
          {retired}
        </PinDialog>
      )}
    </Card>
  );
}

const GRANT_COLUMNS: readonly Column<Grant>[] = [
  {
    id: 'subject',
    header: 'Bundle or tag',
    rowHeader: true,
    cell: (g) => `${g.kind === 'bundle' ? 'Bundle' : 'Tag'} ${g.subject}`,
  },
  { id: 'principals', header: 'Principals', className: 'mono', cell: (g) => g.principals.join(', ') },
  { id: 'command', header: 'Forced command', className: 'mono', cell: (g) => g.forceCommand ?? '—' },
  { id: 'source', header: 'Source addresses', className: 'mono', cell: (g) => g.sourceAddress ?? '—' },
  { id: 'granted', header: 'Granted', cell: (g) => `${formatTime(g.grantedAt)} by ${who(g.grantedBy)}` },
];

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
}

function GrantForm({ onDone }: { onDone: () => Promise<void> }) {
  const api = useApi();
  const [kind, setKind] = useState<'bundle' | 'tag'>('bundle');
  const [subject, setSubject] = useState('');
  const [principals, setPrincipals] = useState('');
  const [forceCommand, setForceCommand] = useState('');
  const [sourceAddress, setSourceAddress] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    await run(async () => {
      const done = await api.call('sshCa.allow', {
        kind,
        subject: subject.trim(),
        principals: splitList(principals),
        forceCommand: forceCommand.trim() || null,
        sourceAddress: sourceAddress.trim() || null,
      });
      if (!done.ok) return done.error;
      const said = done.value.grant ? `Principals saved for ${kind} ${subject.trim()}.` : `Grant removed for ${kind} ${subject.trim()}.`;
      setSubject('');
      setPrincipals('');
      setForceCommand('');
      setSourceAddress('');
      await onDone();
      setSaved(said);
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow" aria-label="Allow principals">
      <div className="field">
        <label htmlFor="sshca-kind">Applies to</label>
        <select id="sshca-kind" value={kind} onChange={(e) => setKind(e.target.value as 'bundle' | 'tag')}>
          <option value="bundle">A bundle</option>
          <option value="tag">Tasks with a tag</option>
        </select>
      </div>
      <Field label={kind === 'bundle' ? 'Bundle name' : 'Tag'} value={subject} onChange={(e) => setSubject(e.target.value)} />
      <Field
        label="Principals"
        hint="The user names a run may log in as, separated by commas or spaces. Leave empty to remove the grant."
        value={principals}
        onChange={(e) => setPrincipals(e.target.value)}
      />
      <Field
        label="Forced command (optional)"
        hint="If set, the certificate only runs this command on the host."
        value={forceCommand}
        onChange={(e) => setForceCommand(e.target.value)}
      />
      <Field
        label="Source addresses (optional)"
        hint="Addresses or networks the certificate may be used from, for example 10.0.0.0/8."
        value={sourceAddress}
        onChange={(e) => setSourceAddress(e.target.value)}
      />
      <ErrorNotice error={error} />
      {saved && !error && <StatusNotice>{saved}</StatusNotice>}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || !subject.trim()}>
          {busy ? 'Saving…' : 'Save principals'}
        </button>
      </div>
    </form>
  );
}

const CERT_COLUMNS: readonly Column<Certificate>[] = [
  { id: 'serial', header: 'Serial', rowHeader: true, className: 'mono', cell: (c) => c.serial },
  { id: 'run', header: 'Run', className: 'mono', cell: (c) => c.runId },
  { id: 'principals', header: 'Principals', className: 'mono', cell: (c) => c.principals.join(', ') },
  { id: 'from', header: 'Valid from', className: 'nowrap', cell: (c) => formatTime(c.validAfter) },
  { id: 'to', header: 'Valid to', className: 'nowrap', cell: (c) => formatTime(c.validBefore) },
  { id: 'ca', header: 'Authority', className: 'mono', cell: (c) => c.ca },
];

/** The key revocation list of every certificate issued here, saved where the admin chooses (a USB stick for the hosts). */
function RevocationList() {
  const api = useApi();
  const [saved, setSaved] = useState<string | null>(null);
  const { error, busy, run } = useAction();

  async function exportKrl() {
    setSaved(null);
    const outPath = await api.chooseSaveFile({
      title: 'Save the revocation list',
      defaultName: `ssh-revoked-${new Date().toISOString().slice(0, 10)}.krl`,
      filters: [{ name: 'OpenSSH key revocation list', extensions: ['krl'] }],
    });
    if (!outPath) return;
    await run(async () => {
      const done = await api.call('sshCa.krl', { outPath });
      if (!done.ok) return done.error;
      setSaved(
        `Saved ${done.value.file ?? outPath}: ${done.value.count} ${done.value.count === 1 ? 'certificate' : 'certificates'} revoked. Copy it to each host and name it in sshd's RevokedKeys setting.`,
      );
    });
  }

  return (
    <Card title="Revocation list">
      <p className="muted">
        A list, for the hosts, of every certificate issued here, so a certificate that leaked cannot be used even before it expires.
      </p>
      <ErrorNotice error={error} />
      {saved && !error && <StatusNotice>{saved}</StatusNotice>}
      <div>
        <button type="button" className="btn" disabled={busy} onClick={() => void exportKrl()}>
          {busy ? 'Saving…' : 'Save revocation list…'}
        </button>
      </div>
    </Card>
  );
}

export function SshCaScreen() {
  const list = useOp('sshCa.list', {});
  const issued = useOp('sshCa.issued', { limit: 200 });
  /** Resolves once both lists show the change, so a form's notice never runs ahead of the screen. */
  const refresh = async () => {
    await Promise.all([list.reload(), issued.reload()]);
  };
  const cas = list.data?.cas ?? [];
  const active = cas.find((c) => c.state === 'active');
  const retired = cas.filter((c) => c.state === 'retired');

  return (
    <>
      <PageHeader
        title="SSH certificate authority"
        description="Runs that connect to hosts over SSH get a short-lived certificate signed here, for the principals their bundle is allowed. Every change is in the audit trail."
      />
      <ErrorNotice error={list.error} />
      {list.data && (
        <div className="grid grid-main-side">
          <ActiveCa ca={active} />
          <CreateCa hasActive={Boolean(active)} onDone={refresh} />
        </div>
      )}
      <div className="stack-gap section-gap">
        {retired.length > 0 && (
          <Card title="Retired authorities">
            <DataTable caption="Retired authorities" dense columns={RETIRED_COLUMNS} rows={retired} rowKey={(c) => c.name} empty="None." />
          </Card>
        )}
        <Card title="Allowed principals">
          <p className="muted">
            A run only gets a certificate for the principals its bundle, or a tag of its task, is allowed here. Saving replaces what the
            bundle or tag had.
          </p>
          <div className="grid grid-main-side">
            <DataTable
              caption="Principals allowed per bundle or tag"
              dense
              columns={GRANT_COLUMNS}
              rows={list.data?.grants ?? []}
              rowKey={(g) => `${g.kind}:${g.subject}`}
              loading={list.loading && !list.data}
              empty="No bundle or tag is allowed any principal yet."
            />
            <GrantForm onDone={refresh} />
          </div>
        </Card>
        {active && <RevocationList />}
        <Card title="Issued certificates">
          <ErrorNotice error={issued.error} />
          <DataTable
            caption="Certificates issued for runs, newest first"
            dense
            columns={CERT_COLUMNS}
            rows={issued.data?.certificates ?? []}
            rowKey={(c) => c.serial}
            loading={issued.loading && !issued.data}
            empty="No certificate has been issued yet."
          />
        </Card>
      </div>
    </>
  );
}
