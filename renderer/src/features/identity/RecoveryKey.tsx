import { useId, useMemo, useState } from 'react';
import { AuthLayout } from '../../components/AuthLayout';

/**
 * What the printer gets, and nothing else (styles.css, @media print): the key in large type, what it
 * is, when it was made, and how to keep it. Hidden on screen.
 */
function PrintSheet({ recoveryKey }: { recoveryKey: string }) {
  const made = useMemo(() => new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', []);
  return (
    <section className="print-sheet" aria-hidden="true">
      <h1>Airgap Runner recovery key</h1>
      <p>Made {made}. It opens this workstation&apos;s encrypted store and can reset an administrator&apos;s password.</p>
      <p className="print-key">{recoveryKey}</p>
      <ul>
        <li>Keep this sheet in a safe or a sealed envelope, away from the workstation.</li>
        <li>Anyone holding it can open the store: treat it like the master key of the site.</li>
        <li>Do not photograph, scan or copy it into e-mail or a chat.</li>
      </ul>
    </section>
  );
}

/** The recovery key, shown exactly once, with a confirmation that it has been stored. */
export function RecoveryKeyScreen({ recoveryKey, onConfirmed }: { recoveryKey: string; onConfirmed: () => void }) {
  const [stored, setStored] = useState(false);
  const keyId = useId();
  return (
    <AuthLayout
      wide
      title="Store your recovery key"
      intro={
        <p>
          This key opens the store and can reset an administrator&apos;s password if every admin password is lost. It is shown{' '}
          <strong>only now</strong> and cannot be displayed again.
        </p>
      }
    >
      <p id={keyId} className="label-text">
        Recovery key
      </p>
      <output className="recovery-key" aria-labelledby={keyId}>
        {recoveryKey.split('-').map((group, i) => (
          <span key={i} className="recovery-group">
            {group}
          </span>
        ))}
      </output>
      <div className="recovery-actions">
        <button type="button" className="btn" onClick={() => window.print()}>
          Print…
        </button>
        <span className="muted">
          Prints this key on a printer you choose in the system dialog; nothing is saved or sent by Airgap Runner.
        </span>
      </div>
      <ul className="guidance">
        <li>Write it on paper or print it, and keep it in a safe or sealed envelope away from this workstation.</li>
        <li>Do not store it on this workstation, in e-mail or in a chat.</li>
        <li>Anyone holding it can open the store: treat it like the master key of the site.</li>
      </ul>
      <label className="check check-confirm">
        <input type="checkbox" checked={stored} onChange={(e) => setStored(e.target.checked)} />
        <span className="check-label">I have stored the recovery key in a safe place</span>
      </label>
      <button type="button" className="btn btn-primary btn-block" disabled={!stored} onClick={onConfirmed}>
        Continue to Airgap Runner
      </button>
      <PrintSheet recoveryKey={recoveryKey} />
    </AuthLayout>
  );
}
