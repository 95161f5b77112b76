import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { validateInput, type FieldErrors } from '../../api/client';
import { Card } from '../../components/PageHeader';
import { ControlField, Field } from '../../components/Field';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { StatusNotice } from '../../components/Notice';
import { DataTable, type Column } from '../../components/table';
import { formatTime } from '../../format';
import { ROLE_LABELS, ROLE_NAMES, type RoleName } from './roles';
import { SOURCE_LABELS, who, type IdentityView, type Source } from './identity-words';

type Mapping = IdentityView['mappings'][number];
type Change = { kind: 'add' | 'remove'; source: Source; group: string; role: RoleName };

const COLUMNS: readonly Column<Mapping>[] = [
  { id: 'group', header: 'Group', rowHeader: true, className: 'mono break', cell: (m) => m.group },
  { id: 'source', header: 'From', cell: (m) => SOURCE_LABELS[m.source] },
  { id: 'role', header: 'Gives the role', cell: (m) => ROLE_LABELS[m.role] },
  { id: 'added', header: 'Added', cell: (m) => `${formatTime(m.createdAt)} by ${who(m.createdBy)}` },
];

function ChangeText({ change }: { change: Change }) {
  const from = change.source === 'saml' ? 'the identity provider' : 'the directory';
  const role = ROLE_LABELS[change.role];
  return change.kind === 'add' ? (
    <p>
      People {from} puts in <span className="mono break">{change.group}</span> are given {role} at their next sign-in. Someone who does not
      hold {role} yet waits for an admin to grant it in Users and roles.
    </p>
  ) : (
    <p>
      <span className="mono break">{change.group}</span> no longer gives {role}. At their next sign-in through {from}, people who held{' '}
      {role} only through this group lose it, and the keys it gave them are changed.
    </p>
  );
}

export function GroupMappingsCard({ view, onChanged }: { view: IdentityView; onChanged: () => Promise<void> }) {
  const api = useApi();
  const [source, setSource] = useState<Source>(view.saml || !view.ldap ? 'saml' : 'ldap');
  const [group, setGroup] = useState('');
  const [role, setRole] = useState<RoleName>('viewer');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [change, setChange] = useState<Change | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    const input = { source, group: group.trim(), role };
    const found = validateInput('identity.mapping.add', input) ?? {};
    if (!input.group) found.group = 'Type the group as the identity provider or directory names it.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setChange({ kind: 'add', ...input });
  }

  async function apply() {
    if (!change) return;
    const { kind, ...input } = change;
    const done = await api.call(kind === 'add' ? 'identity.mapping.add' : 'identity.mapping.remove', input);
    if (!done.ok) return done.error;
    if (kind === 'add') setGroup('');
    await onChanged();
    setMessage(
      kind === 'add'
        ? `${input.group} now gives ${ROLE_LABELS[input.role]}.`
        : `${input.group} no longer gives ${ROLE_LABELS[input.role]}.`,
    );
  }

  return (
    <Card title="Groups and roles">
      <div className="stack">
        <p className="muted">
          Once a group of the identity provider or directory is mapped here, its groups decide the roles of the people who sign in through
          it. Every change is in the audit trail.
        </p>
        <div className="grid grid-main-side">
          <DataTable
            caption="Groups that give a role"
            dense
            columns={COLUMNS}
            rows={view.mappings}
            rowKey={(m) => `${m.source}:${m.group}:${m.role}`}
            empty="No group gives a role yet: roles are set in Users and roles."
            actions={(m) => (
              <button
                type="button"
                className="btn btn-small btn-danger-ghost"
                aria-label={`Remove ${m.group} giving ${ROLE_LABELS[m.role]}`}
                onClick={() => (setMessage(null), setChange({ kind: 'remove', source: m.source, group: m.group, role: m.role }))}
              >
                Remove
              </button>
            )}
          />
          <form onSubmit={submit} noValidate className="stack" aria-label="Add a group">
            <ControlField
              label="From"
              control={(aria) => (
                <select {...aria} value={source} onChange={(e) => setSource(e.target.value as Source)}>
                  <option value="saml">{SOURCE_LABELS.saml}</option>
                  <option value="ldap">{SOURCE_LABELS.ldap}</option>
                </select>
              )}
            />
            <Field
              label="Group"
              hint={
                source === 'saml'
                  ? 'A value of the group attribute, exactly as the identity provider sends it.'
                  : 'The group’s name (cn), or its full name (DN) when groups come from memberOf.'
              }
              value={group}
              onChange={(e) => setGroup(e.target.value)}
              error={errors.group}
              autoComplete="off"
            />
            <ControlField
              label="Gives the role"
              control={(aria) => (
                <select {...aria} value={role} onChange={(e) => setRole(e.target.value as RoleName)}>
                  {ROLE_NAMES.map((r) => (
                    <option key={r} value={r}>
                      {ROLE_LABELS[r]}
                    </option>
                  ))}
                </select>
              )}
            />
            <div>
              <button type="submit" className="btn btn-primary">
                Add group…
              </button>
            </div>
          </form>
        </div>
        {message && <StatusNotice>{message}</StatusNotice>}
      </div>
      {change && (
        <ConfirmDialog
          title={
            change.kind === 'add'
              ? `Let ${change.group} give ${ROLE_LABELS[change.role]}?`
              : `Stop ${change.group} giving ${ROLE_LABELS[change.role]}?`
          }
          confirmLabel={change.kind === 'add' ? 'Add group' : 'Remove group'}
          cancelLabel="Cancel"
          onConfirm={apply}
          onClose={() => setChange(null)}
        >
          <ChangeText change={change} />
        </ConfirmDialog>
      )}
    </Card>
  );
}
