import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';

/** Sign-in. On success the bridge binds the session to this window; the page never holds a token. */
export function SignInScreen({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn: () => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      if (!name || !password) return 'Enter your user name and password.';
      const result = await api.call('auth.signIn', { name, password });
      if (!result.ok) {
        setPassword('');
        return result.error;
      }
      onSignedIn();
    });
  }

  return (
    <AuthLayout title="Sign in" intro={<p>Sign in with the user name and password an administrator gave you.</p>}>
      {notice && <StatusNotice tone="info">{notice}</StatusNotice>}
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <Field label="User name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" autoFocus />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
        />
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="fine-print">
        Forgotten password? Ask an administrator to reset it. If every admin password is lost, an administrator opens the store again with
        its recovery key, using the command-line tool's recovery command.
      </p>
    </AuthLayout>
  );
}
