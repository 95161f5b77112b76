import { useState } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import { useOp } from '../../api/use-op';
import { Card } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { ROLE_LABELS, type RoleName } from './roles';

const ROLE_ORDER: RoleName[] = ['admin', 'operator', 'auditor', 'viewer'];

/**
 * Admin: which roles must give a TOTP code at sign-in (signed with the admin key in the core). Users
 * of a role who have not enrolled are asked to at their next sign-in (docs/identity.md).
 */
export function TotpRequirementsCard() {
  const api = useApi();
  const current = useOp('auth.totp.requirements', {});
  const [message, setMessage] = useState<string | null>(null);
  const { error, busy, run } = useAction();

  async function toggle(role: RoleName, required: boolean) {
    await run(async () => {
      const result = await api.call('auth.totp.require', { role, required });
      await current.reload();
      if (!result.ok) return result.error;
      setMessage(
        required
          ? `TOTP is now required for ${ROLE_LABELS[role]}. Those who have not enrolled will be asked to at their next sign-in.`
          : `TOTP is no longer required for ${ROLE_LABELS[role]}.`,
      );
    });
  }

  const roles = current.data?.roles ?? [];
  return (
    <Card title="Two-step sign-in (TOTP)" className="card-narrow">
      <ErrorNotice error={current.error} />
      <fieldset className="stack" disabled={busy || !current.data}>
        <legend className="label-text">Require a code from an authenticator app for</legend>
        {ROLE_ORDER.map((role) => (
          <label key={role} className="check">
            <input type="checkbox" checked={roles.includes(role)} onChange={(e) => void toggle(role, e.target.checked)} />
            <span className="check-label">{ROLE_LABELS[role]}</span>
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={error} />
      {message && <StatusNotice>{message}</StatusNotice>}
    </Card>
  );
}
