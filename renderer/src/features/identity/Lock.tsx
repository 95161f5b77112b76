import { useState, type FormEvent } from 'react';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';
import { useSignInSteps } from './sign-in-steps';
import { TotpCodeField } from './TotpCodeField';
import { EnterpriseStep } from './EnterpriseStep';

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
  const steps = useSignInSteps();
  const needsCode = steps.step.kind === 'code';
  const enterprise = steps.step.kind === 'idp' || steps.step.kind === 'ldap';

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const result = await steps.signIn(name, password);
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
      {enterprise && (
        <EnterpriseStep
          name={name}
          steps={steps}
          clearPassword={() => setPassword('')}
          busy={busy}
          error={error}
          run={run}
          onSignedIn={() => (setPassword(''), onUnlocked())}
        />
      )}
      {!enterprise && (
        <form onSubmit={(e) => void submit(e)} noValidate className="stack">
          <Field label="User name" value={name} readOnly autoComplete="username" />
          <Field
            label="Password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            autoFocus
            readOnly={needsCode}
          />
          {needsCode && <TotpCodeField value={steps.code} onChange={steps.setCode} />}
          <ErrorNotice error={error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy || password.length === 0}>
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
          <button type="button" className="btn btn-ghost btn-block" onClick={onSwitchUser}>
            Sign in as another user
          </button>
        </form>
      )}
    </AuthLayout>
  );
}
