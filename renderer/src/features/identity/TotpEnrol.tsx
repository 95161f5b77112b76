import { useId, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { ErrorNotice } from '../../components/Notice';
import { TotpQr } from './TotpQr';
import { TotpCodeField } from './TotpCodeField';

type Step = { kind: 'start' } | { kind: 'scan'; secret: string; uri: string } | { kind: 'codes'; codes: string[] };

/** The secret in groups of four, easier to type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/**
 * Enrolling an authenticator app (docs/identity.md, "Offline TOTP"): a new secret as a QR code and
 * as text, shown once; a code from the app confirms it; then the ten recovery codes, shown once.
 */
export function TotpEnrol({ startLabel, onConfirmed, onDone }: { startLabel: string; onConfirmed?: () => void; onDone: () => void }) {
  const api = useApi();
  const [step, setStep] = useState<Step>({ kind: 'start' });
  const [code, setCode] = useState('');
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();
  const secretId = useId();
  const codesId = useId();

  async function begin() {
    await run(async () => {
      const result = await api.call('auth.totp.enrolBegin', {});
      if (!result.ok) return result.error;
      setStep({ kind: 'scan', ...result.value });
    });
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      if (!code.trim()) return 'Enter the 6-digit code your app shows.';
      const result = await api.call('auth.totp.enrolConfirm', { code });
      setCode('');
      if (!result.ok) return result.error;
      setStep({ kind: 'codes', codes: result.value.recoveryCodes });
      onConfirmed?.();
    });
  }

  if (step.kind === 'start') {
    return (
      <div className="stack">
        <ErrorNotice error={error} />
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void begin()}>
          {busy ? 'Starting…' : startLabel}
        </button>
      </div>
    );
  }

  if (step.kind === 'scan') {
    return (
      <div className="stack totp-enrol">
        <ol className="guidance totp-steps">
          <li>Open your authenticator app and add an account by scanning this code (or type the secret below).</li>
          <li>Enter the 6-digit code the app then shows.</li>
        </ol>
        <div className="totp-scan">
          <TotpQr uri={step.uri} label="QR code of the new TOTP secret for your authenticator app" />
          <div className="stack">
            <p id={secretId} className="label-text">
              Secret (shown only now)
            </p>
            <output className="recovery-key totp-secret" aria-labelledby={secretId}>
              {grouped(step.secret)}
            </output>
            <form onSubmit={(e) => void confirm(e)} noValidate className="stack">
              <TotpCodeField label="Code from the app" hint={undefined} value={code} onChange={setCode} />
              <ErrorNotice error={error} />
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? 'Checking…' : 'Confirm'}
              </button>
            </form>
          </div>
        </div>
      </div>
    );
  }

  return (
    <div className="stack">
      <p>
        TOTP is on. These <strong>recovery codes</strong> each sign you in once if you lose the device. They are shown{' '}
        <strong>only now</strong>: print them or keep them in a password safe, away from this workstation.
      </p>
      <p id={codesId} className="label-text">
        Recovery codes
      </p>
      <output className="recovery-key totp-codes" aria-labelledby={codesId}>
        {step.codes.map((c) => (
          <span key={c} className="recovery-group">
            {c}
          </span>
        ))}
      </output>
      <label className="check check-confirm">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} autoFocus />
        <span className="check-label">I have saved the recovery codes</span>
      </label>
      <button type="button" className="btn btn-primary" disabled={!saved} onClick={onDone}>
        Done
      </button>
    </div>
  );
}
