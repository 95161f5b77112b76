import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { validateInput, type FieldErrors } from '../../api/client';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';

/** First run: create the encrypted store and its first admin, then sign in as that admin. */
export function SetupScreen({ onCreated }: { onCreated: (recoveryKey: string) => void }) {
  const api = useApi();
  const [adminName, setAdminName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = { adminName, password };
    const found = validateInput('system.init', input) ?? {};
    if (!found.password && password !== confirm) found.confirm = 'The two passwords differ. Type the same password twice.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    await run(async () => {
      const created = await api.call('system.init', input);
      if (!created.ok) return created.error;
      const signedIn = await api.call('auth.signIn', { name: adminName, password });
      if (!signedIn.ok) return signedIn.error;
      onCreated(created.value.recoveryKey);
    });
  }

  return (
    <AuthLayout
      title="Set up this workstation"
      intro={
        <p>
          No store exists here yet. Create the first administrator. Everything Airgap Runner keeps is encrypted; only a user&apos;s password
          or the recovery key you receive next can open it.
        </p>
      }
    >
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <Field
          label="Administrator name"
          value={adminName}
          onChange={(e) => setAdminName(e.target.value)}
          autoComplete="username"
          autoFocus
          error={errors.adminName}
          hint="Letters, digits, dot, dash and underscore."
        />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          error={errors.password}
          hint="At least 12 characters. A passphrase of several words is easiest to remember."
        />
        <Field
          label="Confirm password"
          type="password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          autoComplete="new-password"
          error={errors.confirm}
        />
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Creating the encrypted store…' : 'Create store'}
        </button>
      </form>
    </AuthLayout>
  );
}
