import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { validateInput, type FieldErrors } from '../../api/client';
import { useAction } from '../../api/use-action';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';

/** Change one's own password: current, new, and the new one again. Used forced and by choice. */
export function PasswordChangeForm({
  currentLabel = 'Current password',
  submitLabel,
  onChanged,
}: {
  currentLabel?: string;
  submitLabel: string;
  onChanged: () => void;
}) {
  const api = useApi();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [rotateAll, setRotateAll] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = { currentPassword, newPassword, ...(rotateAll ? { rotateAll } : {}) };
    const found = validateInput('auth.changePassword', input) ?? {};
    if (!found.newPassword && newPassword !== confirm) found.confirm = 'The two new passwords differ.';
    if (!currentPassword) found.currentPassword = 'Enter your current password.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    await run(async () => {
      const result = await api.call('auth.changePassword', input);
      if (!result.ok) return result.error;
      setCurrent('');
      setNew('');
      setConfirm('');
      onChanged();
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack">
      <Field
        label={currentLabel}
        type="password"
        value={currentPassword}
        onChange={(e) => setCurrent(e.target.value)}
        autoComplete="current-password"
        error={errors.currentPassword}
      />
      <Field
        label="New password"
        type="password"
        value={newPassword}
        onChange={(e) => setNew(e.target.value)}
        autoComplete="new-password"
        error={errors.newPassword}
        hint="At least 12 characters."
      />
      <Field
        label="Confirm new password"
        type="password"
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        autoComplete="new-password"
        error={errors.confirm}
      />
      <label className="check">
        <input type="checkbox" checked={rotateAll} onChange={(e) => setRotateAll(e.target.checked)} />
        <span>My old password may have leaked: rotate every key (admins only; the vault key is always rotated)</span>
      </label>
      <ErrorNotice error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Changing…' : submitLabel}
      </button>
    </form>
  );
}
