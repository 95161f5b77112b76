import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { useOp } from '../../api/use-op';
import { Card } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { TotpEnrol } from './TotpEnrol';

/** "My account": enrol (or re-enrol) an authenticator app, see recovery codes left, switch TOTP off. */
export function TotpCard() {
  const api = useApi();
  const status = useOp('auth.totp.status', {});
  // Remounts the enrolment after it is done, or TOTP is switched off, so it starts over.
  const [enrolment, setEnrolment] = useState(0);
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const s = status.data;

  async function disable(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const result = await api.call('auth.totp.disable', { currentPassword: password });
      setPassword('');
      if (!result.ok) return result.error;
      await status.reload();
      setMessage('TOTP is off: your password alone signs you in.');
      // As before: an enrolment begun meanwhile starts over.
      setEnrolment((g) => g + 1);
    });
  }

  /** The notice says TOTP is on only once the status above it says so too. */
  async function enrolled() {
    await status.reload();
    setMessage('TOTP is on. You will be asked for a code after your password.');
    setEnrolment((g) => g + 1);
  }

  return (
    <Card title="Two-step sign-in (TOTP)">
      <ErrorNotice error={status.error} />
      {message && <StatusNotice>{message}</StatusNotice>}
      {s && (
        <dl className="facts">
          <dt>Status</dt>
          <dd>{s.enrolled ? `On since ${s.enrolledAt ? formatTime(s.enrolledAt) : '—'}` : 'Off'}</dd>
          <dt>Required by your roles</dt>
          <dd>{s.required ? 'Yes' : 'No'}</dd>
          {s.enrolled && (
            <>
              <dt>Recovery codes left</dt>
              <dd>{s.recoveryCodesLeft}</dd>
            </>
          )}
        </dl>
      )}
      {s && (
        <TotpEnrol
          key={enrolment}
          startLabel={s.enrolled ? 'Enrol a new device' : 'Set up an authenticator app'}
          onConfirmed={() => void status.reload()}
          onDone={() => void enrolled()}
        />
      )}
      {s?.enrolled && !s.required && (
        <form onSubmit={(e) => void disable(e)} noValidate className="stack totp-disable">
          <Field
            label="Current password (to switch TOTP off)"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
          <ErrorNotice error={error} />
          <button type="submit" className="btn" disabled={busy || password.length === 0}>
            Switch TOTP off
          </button>
        </form>
      )}
    </Card>
  );
}
