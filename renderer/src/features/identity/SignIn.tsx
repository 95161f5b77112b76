import { useState, type FormEvent } from 'react';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { useSignInWithCode } from './totp-sign-in';
import { TotpCodeField } from './TotpCodeField';

/** Sign-in. On success the bridge binds the session to this window; the page never holds a token. */
export function SignInScreen({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn: () => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const totp = useSignInWithCode();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      if (!name || !password) return 'Enter your user name and password.';
      const result = await totp.signIn(name, password);
      if (result.signedIn) return onSignedIn();
      if (result.wrongPassword) setPassword('');
      return result.problem;
    });
  }

  return (
    <AuthLayout title="Sign in" intro={<p>Sign in with the user name and password an administrator gave you.</p>}>
      {notice && <StatusNotice tone="info">{notice}</StatusNotice>}
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <Field
          label="User name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="username"
          autoFocus
          readOnly={totp.needsCode}
        />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          readOnly={totp.needsCode}
        />
        {totp.needsCode && <TotpCodeField value={totp.code} onChange={totp.setCode} />}
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : totp.needsCode ? 'Verify code' : 'Sign in'}
        </button>
        {totp.needsCode && (
          <button
            type="button"
            className="btn btn-ghost btn-block"
            onClick={() => {
              totp.reset();
              setPassword('');
            }}
          >
            Start over
          </button>
        )}
      </form>
      <p className="fine-print">
        Forgotten password? Ask an administrator to reset it. If every admin password is lost, an administrator opens the store again with
        its recovery key, using the command-line tool's recovery command.
      </p>
    </AuthLayout>
  );
}
