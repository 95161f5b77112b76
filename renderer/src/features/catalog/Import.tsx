import { useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import type { OpOutput, SubEvent } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatBytes } from '../../format';
import { CopyableHash } from '../../components/CopyButton';
import { DataTable, type Column } from '../../components/table';
import { progressId } from '../../api/progress';

type Kind = 'registry' | 'oci' | 'archive';
type Listing = OpOutput<'mirror.list'>;
type Imported = OpOutput<'bundles.import'>;
type Progress = SubEvent<'bundles.importProgress'>;

const STAGES: Record<Progress['stage'], string> = {
  engine: 'Checking the container engine',
  open: 'Opening the source',
  resolve: 'Resolving the reference',
  verify: 'Verifying the signature',
  fetch: 'Fetching layers',
  read: 'Reading the bundle',
  policy: 'Applying the tag policy',
  load: 'Loading into the engine',
  record: 'Recording in the catalog',
  done: 'Done',
};

/** One importable tag of the listing; cosign's own tags (`sha256-….sig`) are not bundles and are left out. */
interface ListedTag {
  repository: string;
  tag: string;
  digest: string | undefined;
  ref: string;
}

function listingRows(listing: Listing): ListedTag[] {
  return listing.repositories.flatMap((r) =>
    r.tags
      .filter((t) => !/^sha256-[a-f0-9]{64}(\.sig)?$/.test(t.tag))
      .map((t) => ({ repository: r.name, tag: t.tag, digest: t.digest, ref: `${r.name}:${t.tag}` })),
  );
}

const LISTING_COLUMNS: readonly Column<ListedTag>[] = [
  { id: 'repository', header: 'Repository', rowHeader: true, className: 'mono', cell: (t) => t.repository },
  { id: 'tag', header: 'Tag', className: 'mono', cell: (t) => t.tag },
  { id: 'digest', header: 'Digest', cell: (t) => (t.digest ? <CopyableHash value={t.digest} what={`digest of ${t.ref}`} /> : '—') },
];

/** A bar with the bytes and percent beside it, as the command line prints them. */
function ByteBar({ label, received, total }: { label: string; received: number; total: number }) {
  const percent = total > 0 ? Math.floor(Math.min(1, received / total) * 100) : 100;
  return (
    <div className="progress-bar-row">
      <progress max={100} value={percent} aria-label={label} aria-valuetext={`${percent}%`}>
        {percent}%
      </progress>
      <span className="progress-numbers">
        {formatBytes(received)} of {formatBytes(total)} ({percent}%)
      </span>
    </div>
  );
}

/** One bar per layer of the image, in the manifest's order (layers finish in any order: a few download at once). */
function LayerBars({ layers }: { layers: NonNullable<Progress['layers']> }) {
  return (
    <ol className="layer-progress" aria-label="Layers">
      {layers.map((layer, i) => {
        const name = `Layer ${i + 1} of ${layers.length}`;
        return (
          <li key={layer.digest}>
            <span className="layer-progress-name">
              {name}{' '}
              <span className="mono muted" title={layer.digest}>
                {layer.digest.replace(/^sha256:/, '').slice(0, 12)}
              </span>
            </span>
            <ByteBar label={name} received={layer.received} total={layer.size} />
          </li>
        );
      })}
    </ol>
  );
}

function ImportResult({ result }: { result: Imported }) {
  const b = result.bundle;
  const disabled = result.tasks.filter((t) => !t.enabled);
  return (
    <section className="card" aria-label="Import result">
      <h2 className="card-title">
        {b.name} {b.version}{' '}
        {result.outcome === 'imported' ? 'imported' : result.outcome === 'reloaded' ? 'reloaded' : 'was already imported'}
      </h2>
      <dl className="facts">
        <dt>Digest</dt>
        <dd className="mono break">{b.digest}</dd>
        <dt>Signature</dt>
        <dd>
          {result.signature.format === 'none' ? 'unsigned' : `${result.signature.format}, verified`}
          {result.signature.signaturesOptionalUsed ? ' (signatures optional was used)' : ''}
        </dd>
        <dt>Signer</dt>
        <dd className="mono break">{result.signature.signerFingerprint ?? '—'}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(result.bytes)}</dd>
        <dt>Policy</dt>
        <dd>
          {result.tasks.length - disabled.length} of {result.tasks.length} tasks enabled
        </dd>
      </dl>
      {result.signature.note && <p className="muted">{result.signature.note}</p>}
      <ul className="plain-list" aria-label="Tasks and their policy outcome">
        {result.tasks.map((t) => (
          <li key={t.id}>
            <span className={`badge badge-${t.enabled ? 'success' : 'danger'}`}>{t.enabled ? 'enabled' : 'disabled'}</span> {t.title}{' '}
            <span className="muted">— {t.reason}</span>
          </li>
        ))}
      </ul>
      {result.principalsNotGranted.length > 0 && (
        <div className="notice notice-warning" role="status" aria-label="SSH principals not granted">
          <p>
            <strong>Some SSH principals these tasks ask for are not allowed for this bundle.</strong> Runs get certificates only for the
            principals an admin allowed on the SSH certificate authority screen; these will be left out:
          </p>
          <ul className="plain-list">
            {result.principalsNotGranted.map((n) => (
              <li key={`${n.task}/${n.credential}`}>
                {result.tasks.find((t) => t.id === n.task)?.title ?? n.task}, credential <span className="mono">{n.credential}</span>:{' '}
                <span className="mono">{n.principals.join(', ')}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="card-actions">
        <a className="btn" href="#/catalog">
          Open the catalog
        </a>
      </div>
    </section>
  );
}

export function ImportScreen() {
  const api = useApi();
  const [kind, setKind] = useState<Kind>('registry');
  const [registry, setRegistry] = useState('registry://');
  const [localPath, setLocalPath] = useState('');
  const [insecure, setInsecure] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [caFile, setCaFile] = useState<string | null>(null);
  // A signature kept beside the image (cosign's detached form): both files, or neither.
  const [signature, setSignature] = useState<{ signatureFile: string | null; payloadFile: string | null }>({
    signatureFile: null,
    payloadFile: null,
  });
  const [listing, setListing] = useState<Listing | null>(null);
  const [ref, setRef] = useState('');
  const [progress, setProgress] = useState<Progress | null>(null);
  // The layers' last state stays on screen while the engine loads them (later stages send no layers).
  const [layers, setLayers] = useState<Progress['layers']>(undefined);
  const [result, setResult] = useState<Imported | null>(null);
  const browse = useAction();
  const importing = useAction();
  const [follow, setFollow] = useState<string | null>(null);

  useEffect(() => {
    if (!follow) return;
    return api.subscribe('bundles.importProgress', { progressId: follow }, (event) => {
      setProgress(event);
      if (event.layers) setLayers(event.layers);
    });
  }, [api, follow]);

  const source = kind === 'registry' ? registry.trim() : localPath ? `${kind}:${localPath}` : '';
  const common = () => ({
    source,
    insecure: kind === 'registry' && insecure ? true : undefined,
    credentials: kind === 'registry' && username ? { username, password } : undefined,
    caFile: kind === 'registry' && caFile ? caFile : undefined,
  });

  async function pickInto(what: 'caFile' | 'signatureFile' | 'payloadFile') {
    const options = {
      caFile: { title: 'Choose the registry’s CA certificate', filters: [{ name: 'PEM certificates', extensions: ['pem', 'crt', 'cer'] }] },
      signatureFile: { title: 'Choose the detached signature', filters: [{ name: 'cosign signatures', extensions: ['sig'] }] },
      payloadFile: { title: 'Choose the signed payload', filters: [{ name: 'cosign payloads', extensions: ['payload', 'json'] }] },
    }[what];
    const path = await api.chooseFile(options);
    if (!path) return;
    if (what === 'caFile') setCaFile(path);
    else setSignature((s) => ({ ...s, [what]: path }));
  }

  async function pick() {
    const path = await api.chooseFile(
      kind === 'oci'
        ? { title: 'Choose the OCI layout folder', kind: 'folder' }
        : { title: 'Choose the image archive', filters: [{ name: 'Image archives', extensions: ['tar', 'gz', 'tgz'] }] },
    );
    if (path) setLocalPath(path);
  }

  async function list(event: FormEvent) {
    event.preventDefault();
    setListing(null);
    await browse.run(async () => {
      if (!source) return kind === 'registry' ? 'Type the registry address.' : 'Choose the folder or file first.';
      const listed = await api.call('mirror.list', common());
      if (!listed.ok) return listed.error;
      setListing(listed.value);
    });
  }

  async function importRef(reference: string) {
    setRef(reference);
    setResult(null);
    setProgress(null);
    setLayers(undefined);
    const id = progressId();
    setFollow(id);
    await importing.run(async () => {
      if (!signature.signatureFile !== !signature.payloadFile)
        return 'A detached signature needs both files: the signature and the payload it signs.';
      const detached =
        signature.signatureFile && signature.payloadFile
          ? { signatureFile: signature.signatureFile, payloadFile: signature.payloadFile }
          : {};
      const done = await api.call('bundles.import', { ...common(), ...detached, ref: reference, progressId: id });
      if (!done.ok) return done.error;
      setResult(done.value);
    });
  }

  return (
    <>
      <PageHeader
        title="Import from a mirror"
        description="Browse a registry mirror, an OCI layout folder or an image archive, and import a signed CodeBundle."
      />
      <div className="stack-gap">
        <Card title="Source">
          <form className="stack" onSubmit={(e) => void list(e)} noValidate>
            <fieldset className="segmented">
              <legend>Kind of source</legend>
              {(
                [
                  ['registry', 'Registry'],
                  ['oci', 'OCI layout folder'],
                  ['archive', 'Image archive'],
                ] as const
              ).map(([k, label]) => (
                <label key={k} className="check">
                  <input
                    type="radio"
                    name="source-kind"
                    checked={kind === k}
                    onChange={() => (setKind(k), setLocalPath(''), setListing(null))}
                  />
                  <span>{label}</span>
                </label>
              ))}
            </fieldset>
            {kind === 'registry' ? (
              <div className="grid grid-3">
                <div className="field">
                  <label htmlFor="mirror-url">Registry address</label>
                  <input
                    id="mirror-url"
                    className="mono"
                    value={registry}
                    onChange={(e) => setRegistry(e.target.value)}
                    placeholder="registry://mirror.example:5000"
                  />
                </div>
                <div className="field">
                  <label htmlFor="mirror-user">User name (optional)</label>
                  <input id="mirror-user" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
                </div>
                <div className="field">
                  <label htmlFor="mirror-password">Password or token</label>
                  <input
                    id="mirror-password"
                    type="password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                    autoComplete="off"
                    disabled={!username}
                  />
                </div>
                <label className="check">
                  <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} />
                  <span>Plain HTTP (only for a registry on this machine)</span>
                </label>
                <div className="row-inputs">
                  <button type="button" className="btn btn-small" onClick={() => void pickInto('caFile')}>
                    Registry CA certificate…
                  </button>
                  <span className="mono break" aria-label="Chosen registry CA certificate">
                    {caFile ?? 'System trust store'}
                  </span>
                  {caFile && (
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => setCaFile(null)}>
                      Use the system trust store
                    </button>
                  )}
                </div>
              </div>
            ) : (
              <div className="row-inputs">
                <button type="button" className="btn" onClick={() => void pick()}>
                  {kind === 'oci' ? 'Choose folder…' : 'Choose archive…'}
                </button>
                <span className="mono" aria-label="Chosen source">
                  {localPath || 'Nothing chosen'}
                </span>
              </div>
            )}
            <details className="detached-signature" open={Boolean(signature.signatureFile || signature.payloadFile)}>
              <summary>Signature kept beside the image (detached)</summary>
              <div className="stack">
                <p className="hint">
                  A docker save archive carries no signature: choose the cosign signature (.sig) and the payload it signs (.payload), made
                  at the signing site for the digest the listing shows. Both are checked against the trust roots.
                </p>
                {(
                  [
                    ['signatureFile', 'Signature file…', 'Chosen signature file'],
                    ['payloadFile', 'Signed payload…', 'Chosen signed payload'],
                  ] as const
                ).map(([what, label, chosen]) => (
                  <div key={what} className="row-inputs">
                    <button type="button" className="btn btn-small" onClick={() => void pickInto(what)}>
                      {label}
                    </button>
                    <span className="mono break" aria-label={chosen}>
                      {signature[what] ?? 'Nothing chosen'}
                    </span>
                  </div>
                ))}
                {(signature.signatureFile || signature.payloadFile) && (
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => setSignature({ signatureFile: null, payloadFile: null })}
                  >
                    Clear the detached signature
                  </button>
                )}
              </div>
            </details>
            <ErrorNotice error={browse.error} />
            <div className="card-actions">
              <button type="submit" className="btn btn-primary" disabled={browse.busy}>
                {browse.busy ? 'Listing…' : 'List bundles'}
              </button>
            </div>
          </form>
        </Card>
        {listing && (
          <Card title="Bundles in the mirror">
            <p className="muted mono">{listing.source.location}</p>
            {(listing.source.problems ?? []).map((problem) => (
              <StatusNotice key={problem} tone="warning">
                Left out: {problem}
              </StatusNotice>
            ))}
            <DataTable
              caption="Repositories and tags"
              dense
              columns={LISTING_COLUMNS}
              rows={listingRows(listing)}
              rowKey={(t) => t.ref}
              empty="This source holds no repositories."
              actions={(t) => (
                <button
                  type="button"
                  className="btn btn-small btn-primary"
                  disabled={importing.busy}
                  aria-label={`Import ${t.ref}`}
                  onClick={() => void importRef(t.ref)}
                >
                  Import
                </button>
              )}
            />
          </Card>
        )}
        {(importing.busy || progress || importing.error) && !result && (
          <Card title="Import">
            <p className="mono">{ref}</p>
            {progress && (
              <div role="status" className="progress-status">
                <p>
                  <span title={STAGES[progress.stage]}>{progress.message}</span>
                </p>
                {progress.total !== undefined && (
                  <ByteBar label="Import progress" received={progress.received ?? 0} total={progress.total} />
                )}
              </div>
            )}
            {layers && layers.length > 0 && <LayerBars layers={layers} />}
            <ErrorNotice error={importing.error} />
          </Card>
        )}
        {result && (
          <>
            <StatusNotice>Import finished: verification and policy below.</StatusNotice>
            <ImportResult result={result} />
          </>
        )}
      </div>
    </>
  );
}
