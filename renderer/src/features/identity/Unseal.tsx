import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { AuthLayout } from '../../components/AuthLayout';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import type { ServiceState } from '../../api/client';

/**
 * This window is a client of the always-on service (docs/service.md), and the service is sealed:
 * nothing runs and no one signs in until an operator or admin unseals it. Unsealing signs that user
 * in inside the service; the window then shows the usual sign-in.
 */
export function UnsealScreen({ service, onUnsealed }: { service: ServiceState; onUnsealed: (state: ServiceState) => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      if (!name || !password) return 'Enter the user name and password of an operator or admin.';
      const done = await api.unsealService({ name, password, ...(code.trim() ? { totpCode: code.trim() } : {}) });
      setPassword('');
      if (!done.ok) return done.error;
      onUnsealed(done.value);
    });
  }

  return (
    <AuthLayout
      title="Unseal the service"
      intro={
        <p>
          The Airgap Runner service on this workstation has been sealed since {formatTime(service.since)}: its store is closed, so no task
          or schedule runs and no one can sign in. An operator or an admin unseals it; it then stays open until an admin locks it or it
          stops.
        </p>
      }
    >
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <Field label="User name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" autoFocus />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
        />
        <Field
          label="Code from your authenticator app (if your site asks for one)"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={24}
        />
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Unsealing…' : 'Unseal'}
        </button>
      </form>
    </AuthLayout>
  );
}
