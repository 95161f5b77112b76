import { useState, type FormEvent } from 'react';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';
import { useSignInWithCode } from './totp-sign-in';
import { TotpCodeField } from './TotpCodeField';

/** The idle lock: the session was ended (its keys wiped in the core); the same user unlocks with the password. */
export function LockScreen({
  name,
  reason,
  onUnlocked,
  onSwitchUser,
}: {
  name: string;
  reason: string;
  onUnlocked: () => void;
  onSwitchUser: () => void;
}) {
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const totp = useSignInWithCode();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const result = await totp.signIn(name, password);
      if (result.signedIn) {
        setPassword('');
        return onUnlocked();
      }
      if (result.wrongPassword) setPassword('');
      return result.problem;
    });
  }

  return (
    <AuthLayout title="Locked" intro={<p>{reason}</p>}>
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <Field label="User name" value={name} readOnly autoComplete="username" />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          autoFocus
          readOnly={totp.needsCode}
        />
        {totp.needsCode && <TotpCodeField value={totp.code} onChange={totp.setCode} />}
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || password.length === 0}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
        <button type="button" className="btn btn-ghost btn-block" onClick={onSwitchUser}>
          Sign in as another user
        </button>
      </form>
    </AuthLayout>
  );
}
