/** The three per-user actions of the Users screen, each a small modal with its own error. */
import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { validateInput, type FieldErrors } from '../../api/client';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Modal } from '../../components/Modal';
import { RolePicker } from './RolePicker';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/Notice';
import type { RoleName } from './roles';

export type UserRow = OpOutput<'users.list'>['users'][number];

interface DialogProps {
  user: UserRow;
  onClose: () => void;
  onDone: (message: string) => Promise<void>;
}

function Buttons({
  busy,
  submitLabel,
  danger = false,
  onClose,
}: {
  busy: boolean;
  submitLabel: string;
  danger?: boolean;
  onClose: () => void;
}) {
  return (
    <div className="modal-actions">
      <button type="button" className="btn" onClick={onClose}>
        Cancel
      </button>
      <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy}>
        {submitLabel}
      </button>
    </div>
  );
}

export function EditRolesDialog({ user, onClose, onDone }: DialogProps) {
  const api = useApi();
  const [roles, setRoles] = useState<RoleName[]>(user.roles);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = { name: user.name, roles };
    setFieldError(validateInput('users.setRoles', input)?.roles);
    if (roles.length === 0) return;
    void run(async () => {
      const result = await api.call('users.setRoles', input);
      if (!result.ok) return result.error;
      await onDone(`Roles of ${user.name} changed.`);
    });
  };
  return (
    <Modal title={`Change roles of ${user.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <RolePicker legend="Roles" value={roles} onChange={setRoles} error={fieldError} />
        <p className="hint">Removing a role that holds keys (vault or audit) rotates those keys for every user.</p>
        <ErrorNotice error={error} />
        <Buttons busy={busy} submitLabel="Save roles" onClose={onClose} />
      </form>
    </Modal>
  );
}

export function ResetPasswordDialog({ user, onClose, onDone }: DialogProps) {
  const api = useApi();
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = { name: user.name, password };
    const found = validateInput('users.resetPassword', input) ?? {};
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void run(async () => {
      const result = await api.call('users.resetPassword', input);
      if (!result.ok) return result.error;
      await onDone(`Password of ${user.name} reset. They must choose a new one at their next sign-in.`);
    });
  };
  return (
    <Modal title={`Reset password of ${user.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <Field
          label="Temporary password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          error={errors.password}
          hint="At least 12 characters. Hand it over in person; it must be changed at first use."
          autoFocus
        />
        <ErrorNotice error={error} />
        <Buttons busy={busy} submitLabel="Reset password" onClose={onClose} />
      </form>
    </Modal>
  );
}

export function RemoveUserDialog({ user, onClose, onDone }: DialogProps) {
  const api = useApi();
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const result = await api.call('users.remove', { name: user.name });
      if (!result.ok) return result.error;
      await onDone(`${user.name} was removed and every key they could open was rotated.`);
    });
  };
  return (
    <Modal title={`Remove ${user.name}?`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <p>
          {user.name} will no longer be able to sign in. Every key their password could open is rotated, so their password opens nothing new
          in an old copy of the store. This cannot be undone.
        </p>
        <ErrorNotice error={error} />
        <Buttons busy={busy} submitLabel={`Remove ${user.name}`} danger onClose={onClose} />
      </form>
    </Modal>
  );
}
