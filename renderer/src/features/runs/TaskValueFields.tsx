import { useState } from 'react';
import { useApi } from '../../api/context';
import type { FieldAria } from '../../components/Field';
import { Row } from './fields';
import { startingSecrets, startingValues, type Declaration, type Errors } from './task-values';

type Variable = Declaration['config'][number];

function hintOf(v: Variable): string {
  const parts = [v.description];
  if (v.type === 'string' && v.pattern) parts.push(`Pattern: ${v.pattern}`);
  if (v.example) parts.push(`Example: ${v.example}`);
  if (v.type === 'file') parts.push('Mounted read-only for the task.');
  return parts.filter(Boolean).join(' · ');
}

/**
 * A task's variables (one labelled control per variable by type) and its secrets (a vault item per
 * secret, only items bound to the bundle; values never reach the window): the run form's and the
 * schedule form's.
 */
export function TaskValueFields({
  decl,
  values,
  onValue,
  files,
  onPickFile,
  secrets,
  onSecret,
  errors,
}: {
  decl: Declaration;
  values: Record<string, string>;
  onValue: (name: string, value: string) => void;
  files: Record<string, string>;
  onPickFile: (name: string) => void;
  secrets: Record<string, string>;
  onSecret: (name: string, item: string) => void;
  errors: Errors;
}) {
  const control = (v: Variable) => (aria: FieldAria) => {
    const common = { ...aria, 'aria-required': v.required || undefined } as const;
    switch (v.type) {
      case 'boolean':
        return (
          <span className="check">
            <input
              type="checkbox"
              {...common}
              checked={values[v.name] === 'true'}
              onChange={(e) => onValue(v.name, String(e.target.checked))}
            />
            <span>{values[v.name] === 'true' ? 'true' : 'false'}</span>
          </span>
        );
      case 'enum':
        return (
          <select {...common} value={values[v.name] ?? ''} onChange={(e) => onValue(v.name, e.target.value)}>
            {v.default === null && <option value="">{v.required ? 'Choose…' : 'Not set'}</option>}
            {v.enum?.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        );
      case 'file':
        return (
          <span className="row-inputs">
            <button type="button" className="btn btn-small" {...aria} onClick={() => onPickFile(v.name)}>
              {files[v.name] ? 'Choose another file…' : 'Choose file…'}
            </button>
            <span className="mono break" aria-label={`File chosen for ${v.name}`}>
              {files[v.name] ?? 'No file chosen'}
            </span>
          </span>
        );
      case 'number':
        return (
          <input
            {...common}
            type="text"
            inputMode="decimal"
            value={values[v.name] ?? ''}
            onChange={(e) => onValue(v.name, e.target.value)}
            placeholder={v.example ?? ''}
          />
        );
      default:
        return (
          <input
            {...common}
            type={v.sensitive ? 'password' : 'text'}
            autoComplete="off"
            spellCheck={false}
            value={values[v.name] ?? ''}
            onChange={(e) => onValue(v.name, e.target.value)}
            placeholder={v.sensitive ? '' : (v.example ?? '')}
          />
        );
    }
  };

  return (
    <>
      <fieldset className="stack">
        <legend>Variables</legend>
        {decl.config.length === 0 ? (
          <p className="muted">This task takes no variables.</p>
        ) : (
          <>
            {decl.config.some((v) => v.required) && (
              <p className="hint">
                <span aria-hidden="true">* </span>Required.
              </p>
            )}
            {decl.config.map((v) => (
              <Row key={v.name} label={v.name} required={v.required} hint={hintOf(v)} error={errors[v.name]} control={control(v)} />
            ))}
          </>
        )}
      </fieldset>
      {decl.secrets.length > 0 && (
        <fieldset className="stack">
          <legend>Secrets</legend>
          {decl.secrets[0]!.vaultItems === null ? (
            <p className="muted">Secrets are filled from vault items; your roles do not use the vault.</p>
          ) : (
            decl.secrets.map((s) => (
              <Row
                key={s.name}
                label={`Vault item for ${s.name}`}
                mono={false}
                required
                hint={`${s.description ? `${s.description} · ` : ''}Only items bound to ${decl.bundle} are offered; the value never reaches this window.`}
                error={errors[`secret:${s.name}`]}
                control={(aria) => (
                  <select {...aria} aria-required value={secrets[s.name] ?? ''} onChange={(e) => onSecret(s.name, e.target.value)}>
                    <option value="">Choose a vault item</option>
                    {s.vaultItems?.map((item) => (
                      <option key={item} value={item}>
                        {item}
                      </option>
                    ))}
                  </select>
                )}
              />
            ))
          )}
        </fieldset>
      )}
    </>
  );
}

/** Where a form's task values start: an earlier run's or schedule's values, vault items and files. */
export interface TaskValuesStart {
  values?: Record<string, string>;
  secrets?: Record<string, string>;
  files?: Record<string, string>;
}

/**
 * A task's values as a form holds them (typed values, files picked in the desktop's dialog, vault
 * items chosen), the props TaskValueFields takes, and what is sent to the core.
 */
export function useTaskValues(decl: Declaration, start?: TaskValuesStart) {
  const api = useApi();
  const [values, setValues] = useState<Record<string, string>>(() =>
    startingValues(decl, start?.values ? { values: start.values } : undefined),
  );
  const [files, setFiles] = useState<Record<string, string>>(() => ({ ...(start?.files ?? {}) }));
  const [secrets, setSecrets] = useState<Record<string, string>>(() =>
    startingSecrets(decl, start?.secrets ? { secrets: start.secrets } : undefined),
  );

  async function pickFile(name: string) {
    const path = await api.chooseFile({ title: `Choose the file for ${name}` });
    if (path) setFiles((f) => ({ ...f, [name]: path }));
  }

  return {
    values,
    files,
    secrets,
    /** TaskValueFields' props, but for the errors. */
    fields: {
      decl,
      values,
      onValue: (name: string, value: string) => setValues((v) => ({ ...v, [name]: value })),
      files,
      onPickFile: (name: string) => void pickFile(name),
      secrets,
      onSecret: (name: string, item: string) => setSecrets((x) => ({ ...x, [name]: item })),
    },
    /** What the core takes: empty optional values left out (so the core applies the task's own defaults), and only chosen vault items. */
    sent: () => ({
      values: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '')),
      files,
      secrets: Object.fromEntries(Object.entries(secrets).filter(([, item]) => item)),
    }),
  };
}
