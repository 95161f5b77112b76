import { useState } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { HelpLink } from '../../components/HelpLink';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatBytes } from '../../format';

function defaultName(): string {
  const day = new Date().toISOString().slice(0, 10);
  return `airgap-runner-backup-${day}.arb`;
}

export function BackupScreen() {
  const api = useApi();
  const [result, setResult] = useState<OpOutput<'store.backup'> | null>(null);
  const { error, busy, run } = useAction();

  async function backUp() {
    const outPath = await api.chooseSaveFile({
      title: 'Save the encrypted backup',
      defaultName: defaultName(),
      filters: [{ name: 'Airgap Runner backup', extensions: ['arb'] }],
    });
    if (!outPath) return;
    setResult(null);
    await run(async () => {
      const done = await api.call('store.backup', { outPath });
      if (!done.ok) return done.error;
      setResult(done.value);
    });
  }

  return (
    <>
      <PageHeader
        title="Backup"
        description="An encrypted copy of the store and of the keys that unlock it, restorable on another workstation."
      />
      <div className="grid grid-2">
        <Card title="Write a backup">
          <p>
            The backup is encrypted: it opens only with the password of a user of this workstation or with the recovery key. Keep it on
            removable media stored like the recovery key. Existing files are never overwritten.
          </p>
          <ErrorNotice error={error} />
          {result && (
            <StatusNotice>
              Backup written.
              <dl className="facts facts-compact">
                <dt>File</dt>
                <dd className="mono">{result.path}</dd>
                <dt>Size</dt>
                <dd>{formatBytes(result.bytes)}</dd>
                <dt>SHA-256</dt>
                <dd className="mono break">{result.sha256}</dd>
              </dl>
            </StatusNotice>
          )}
          <div className="card-actions">
            <button type="button" className="btn btn-primary" onClick={() => void backUp()} disabled={busy}>
              {busy ? 'Writing the backup…' : 'Choose where to save…'}
            </button>
          </div>
        </Card>
        <Card title="Restoring">
          <p>
            A backup is restored with the command-line tool, into an empty store on any workstation, opened with a user’s password from the
            backup or with the recovery key.{' '}
            <HelpLink doc="store" anchor="backups">
              How to restore a backup
            </HelpLink>
          </p>
          <p className="muted">Compare the SHA-256 above with the file you carry before restoring it.</p>
        </Card>
      </div>
    </>
  );
}
