import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';

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
  const api = useApi();
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const result = await api.call('auth.signIn', { name, password });
      setPassword('');
      if (!result.ok) return result.error;
      onUnlocked();
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
        />
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
