import { useState, type FormEvent } from 'react';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { useSignInSteps } from './sign-in-steps';
import { TotpCodeField } from './TotpCodeField';
import { EnterpriseStep } from './EnterpriseStep';

/** Sign-in. On success the bridge binds the session to this window; the page never holds a token. */
export function SignInScreen({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn: () => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const steps = useSignInSteps();
  const needsCode = steps.step.kind === 'code';
  const enterprise = steps.step.kind === 'idp' || steps.step.kind === 'ldap';

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      if (!name || !password) return 'Enter your user name and password.';
      const result = await steps.signIn(name, password);
      if (result.signedIn) return onSignedIn();
      if (result.wrongPassword) setPassword('');
      return result.problem;
    });
  }

  return (
    <AuthLayout title="Sign in" intro={<p>Sign in with the user name and password an administrator gave you.</p>}>
      {notice && <StatusNotice tone="info">{notice}</StatusNotice>}
      {enterprise && (
        <EnterpriseStep
          name={name}
          steps={steps}
          clearPassword={() => setPassword('')}
          busy={busy}
          error={error}
          run={run}
          onSignedIn={onSignedIn}
        />
      )}
      {!enterprise && (
        <form onSubmit={(e) => void submit(e)} noValidate className="stack">
          <Field
            label="User name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="username"
            autoFocus={!name}
            readOnly={needsCode}
          />
          <Field
            label="Password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            autoFocus={!!name}
            readOnly={needsCode}
          />
          {needsCode && <TotpCodeField value={steps.code} onChange={steps.setCode} />}
          <ErrorNotice error={error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : needsCode ? 'Verify code' : 'Sign in'}
          </button>
          {needsCode && (
            <button
              type="button"
              className="btn btn-ghost btn-block"
              onClick={() => {
                steps.reset();
                setPassword('');
              }}
            >
              Start over
            </button>
          )}
        </form>
      )}
      <p className="fine-print">
        Forgotten password? Ask an administrator to reset it. If every admin password is lost, an administrator opens the store again with
        its recovery key, using the command-line tool's recovery command.
      </p>
    </AuthLayout>
  );
}
