import { ROLE_LABELS, ROLE_NAMES, type RoleName } from './roles';

const ROLE_HINTS: Readonly<Record<RoleName, string>> = {
  admin: 'Users, settings, trust roots, backup',
  operator: 'Import bundles, run tasks, vault',
  auditor: 'Browse, check and export the audit trail',
  viewer: 'Read-only: catalog, runs, reports',
};

/** Role checkboxes in a fieldset, so the group has a name for assistive technology. */
export function RolePicker({
  legend,
  value,
  onChange,
  error,
}: {
  legend: string;
  value: RoleName[];
  onChange: (roles: RoleName[]) => void;
  error?: string | undefined;
}) {
  const toggle = (role: RoleName, on: boolean) => onChange(ROLE_NAMES.filter((r) => (r === role ? on : value.includes(r))));
  return (
    <fieldset className="role-picker" aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {ROLE_NAMES.map((role) => (
        <label key={role} className="check">
          <input type="checkbox" checked={value.includes(role)} onChange={(e) => toggle(role, e.target.checked)} />
          <span>
            <span className="check-label">{ROLE_LABELS[role]}</span>
            <span className="check-hint">{ROLE_HINTS[role]}</span>
          </span>
        </label>
      ))}
      {error && <p className="field-error">{error}</p>}
    </fieldset>
  );
}
