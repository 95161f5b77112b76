import { useState } from 'react';
import { useApi } from '../../api/context';
import type { OpState } from '../../api/use-op';
import { Card } from '../../components/PageHeader';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { formatTime } from '../../format';
import { ROLE_LABELS, ROLE_NAMES } from './roles';
import { sourceLabel, type IdentityView } from './identity-words';
import type { UserRow } from './users-dialogs';

type Waiting = IdentityView['waiting'][number];

const what = (w: Waiting) =>
  w.change === 'pending'
    ? `Given by a group; waits for you to grant it`
    : `No longer given by a group; taken away at sign-in, waits for you to confirm`;

const COLUMNS: readonly Column<Waiting>[] = [
  { id: 'user', header: 'User', rowHeader: true, cell: (w) => w.user },
  { id: 'role', header: 'Role', cell: (w) => ROLE_LABELS[w.role] },
  {
    id: 'change',
    header: 'What happened',
    cell: (w) => (
      <>
        <span className={`badge ${w.change === 'pending' ? 'badge-info' : 'badge-warning'}`}>
          {w.change === 'pending' ? 'New' : 'Lost'}
        </span>{' '}
        {what(w)}
      </>
    ),
  },
  { id: 'source', header: 'From', cell: (w) => sourceLabel(w.source) },
  { id: 'since', header: 'Since sign-in at', className: 'nowrap', cell: (w) => formatTime(w.since) },
];

/**
 * Users and roles: the roles recent sign-ins through the identity provider or directory changed.
 * A new role waits for an admin to grant its keys; a lost one is already withheld from the person
 * (and the keys only it gave were changed), and the admin confirms it to take it off their roles.
 */
export function RoleChangesCard({
  users,
  view,
  onDone,
}: {
  users: readonly UserRow[];
  /** The screen's identity.show, so the screen can await its reload before its notice. */
  view: OpState<IdentityView>;
  onDone: (text: string) => Promise<void>;
}) {
  const api = useApi();
  const [acting, setActing] = useState<Waiting | null>(null);
  const waiting = view.data?.waiting ?? [];
  if (!view.data || (waiting.length === 0 && !view.error)) return null;

  async function apply() {
    if (!acting) return;
    const user = users.find((u) => u.name === acting.user);
    if (!user) return `${acting.user} is no longer a user here. Reload the page.`;
    const roles = ROLE_NAMES.filter((r) => (r === acting.role ? acting.change === 'pending' : user.roles.includes(r)));
    const done = await api.call('users.setRoles', { name: acting.user, roles });
    if (!done.ok) return done.error;
    setActing(null);
    await onDone(
      acting.change === 'pending'
        ? `${ROLE_LABELS[acting.role]} granted to ${acting.user}, with its keys. It applies from their next sign-in.`
        : `${ROLE_LABELS[acting.role]} taken off ${acting.user}'s roles.`,
    );
  }

  return (
    <Card title="Role changes from sign-ins">
      <ErrorNotice error={view.error} />
      <p className="muted">
        The identity provider or directory gave or stopped giving these roles at a recent sign-in. A lost role is already withheld.
      </p>
      <DataTable
        caption="Role changes waiting for an admin"
        dense
        columns={COLUMNS}
        rows={waiting}
        rowKey={(w) => `${w.user}:${w.role}:${w.change}`}
        empty="Nothing waits."
        actions={(w) => (
          <button
            type="button"
            className="btn btn-small"
            aria-label={
              w.change === 'pending' ? `Grant ${ROLE_LABELS[w.role]} to ${w.user}` : `Confirm ${w.user} lost ${ROLE_LABELS[w.role]}`
            }
            onClick={() => setActing(w)}
          >
            {w.change === 'pending' ? 'Grant' : 'Confirm loss'}
          </button>
        )}
      />
      {acting && (
        <ConfirmDialog
          title={
            acting.change === 'pending'
              ? `Grant ${ROLE_LABELS[acting.role]} to ${acting.user}?`
              : `Confirm ${acting.user} lost ${ROLE_LABELS[acting.role]}?`
          }
          confirmLabel={acting.change === 'pending' ? 'Grant role' : 'Confirm'}
          cancelLabel="Cancel"
          onConfirm={apply}
          onClose={() => setActing(null)}
        >
          {acting.change === 'pending' ? (
            <p>
              {acting.user} gets {ROLE_LABELS[acting.role]} and the keys it needs, from their next sign-in, for as long as a group still
              gives it.
            </p>
          ) : (
            <p>
              {ROLE_LABELS[acting.role]} is taken off {acting.user}’s roles here too. If it gave keys, every key is changed now, and
              everyone else signed in keeps working with the new ones.
            </p>
          )}
        </ConfirmDialog>
      )}
    </Card>
  );
}
