import { useCallback, useState, type FormEvent } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { validateInput, type FieldErrors } from '../../api/client';
import { useAction } from '../../api/use-action';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { RolePicker } from './RolePicker';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { formatDate, formatTime } from '../../format';
import { ROLE_LABELS, type RoleName } from './roles';
import { TotpRequirementsCard } from './TotpRequirements';
import { RoleChangesCard } from './RoleChanges';
import { EditRolesDialog, RemoveUserDialog, ResetPasswordDialog, type UserRow } from './users-dialogs';

function AddUserForm({ onAdded }: { onAdded: (message: string) => Promise<void> }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<RoleName[]>(['viewer']);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = { name, roles, password };
    const found = validateInput('users.add', input) ?? {};
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    await run(async () => {
      const result = await api.call('users.add', input);
      if (!result.ok) return result.error;
      setName('');
      setPassword('');
      setRoles(['viewer']);
      await onAdded(`${result.value.name} added. They must choose their own password at first sign-in.`);
    });
  }

  return (
    <Card title="Add a user" className="card-narrow">
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <Field label="User name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" error={errors.name} />
        <RolePicker legend="Roles" value={roles} onChange={setRoles} error={errors.roles} />
        <Field
          label="First password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          error={errors.password}
          hint="At least 12 characters. Hand it over in person; it must be changed at first sign-in."
        />
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add user'}
        </button>
      </form>
    </Card>
  );
}

type Action = { kind: 'roles' | 'reset' | 'remove'; user: UserRow };

const USER_COLUMNS: readonly Column<UserRow>[] = [
  { id: 'name', header: 'Name', rowHeader: true, cell: (u) => u.name, sortKey: (u) => u.name },
  {
    id: 'roles',
    header: 'Roles',
    cell: (u) => (
      <span className="chips">
        {u.roles.map((r) => (
          <span key={r} className={`chip chip-${r}`}>
            {ROLE_LABELS[r]}
          </span>
        ))}
      </span>
    ),
  },
  {
    id: 'status',
    header: 'Status',
    cell: (u) =>
      u.mustChangePassword ? (
        <span className="badge badge-warning">Must change password</span>
      ) : (
        <span className="badge badge-neutral">Active</span>
      ),
    sortKey: (u) => (u.mustChangePassword ? 'Must change password' : 'Active'),
  },
  {
    id: 'created',
    header: 'Created',
    className: 'nowrap',
    title: (u) => formatTime(u.createdAt),
    cell: (u) => formatDate(u.createdAt),
    sortKey: (u) => u.createdAt,
  },
];

export function UsersScreen() {
  const session = useSession();
  const me = session.me;
  const users = useOp('users.list', {});
  const [action, setAction] = useState<Action | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const identity = useOp('identity.show', {});

  /** The notice appears only once the users and the waiting role changes show what it says. */
  const done = async (text: string) => {
    setAction(null);
    // My own roles may have changed.
    void session.refresh();
    await Promise.all([users.reload(), identity.reload()]);
    setMessage(text);
  };
  const close = () => setAction(null);
  const myName = me.user.name;
  const actions = useCallback(
    (user: UserRow) => (
      <>
        <button
          type="button"
          className="btn btn-small"
          aria-label={`Change roles of ${user.name}`}
          onClick={() => setAction({ kind: 'roles', user })}
        >
          Roles
        </button>
        <button
          type="button"
          className="btn btn-small"
          aria-label={`Reset password of ${user.name}`}
          onClick={() => setAction({ kind: 'reset', user })}
        >
          Reset password
        </button>
        {user.name !== myName && (
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            aria-label={`Remove ${user.name}`}
            onClick={() => setAction({ kind: 'remove', user })}
          >
            Remove
          </button>
        )}
      </>
    ),
    [myName],
  );

  return (
    <>
      <PageHeader title="Users and roles" description="Who may sign in on this workstation, and what each may do." />
      {message && <StatusNotice>{message}</StatusNotice>}
      <RoleChangesCard users={users.data?.users ?? []} view={identity} onDone={done} />
      <div className="grid grid-main-side section-gap">
        <Card title="Users">
          <ErrorNotice error={users.error} />
          <DataTable
            caption="Users of this workstation"
            columns={USER_COLUMNS}
            rows={users.data?.users ?? []}
            rowKey={(u) => u.name}
            loading={users.loading && !users.data}
            empty="No users."
            actions={actions}
          />
        </Card>
        <div className="stack">
          <AddUserForm onAdded={done} />
          <TotpRequirementsCard />
        </div>
      </div>
      {action?.kind === 'roles' && <EditRolesDialog user={action.user} onClose={close} onDone={done} />}
      {action?.kind === 'reset' && <ResetPasswordDialog user={action.user} onClose={close} onDone={done} />}
      {action?.kind === 'remove' && <RemoveUserDialog user={action.user} onClose={close} onDone={done} />}
    </>
  );
}
