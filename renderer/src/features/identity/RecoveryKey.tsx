import { useId, useState } from 'react';
import { AuthLayout } from '../../components/AuthLayout';

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
    </AuthLayout>
  );
}
