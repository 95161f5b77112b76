import { useState, type FormEvent } from 'react';
import { useApi, useSession } from '../api/context';
import { useOp } from '../api/use-op';
import { useAction } from '../api/use-action';
import { validateInput, type FieldErrors } from '../api/client';
import type { OpOutput } from '../../../src/api/contract';
import { Modal } from '../components/Modal';
import { ErrorNotice } from '../components/Notice';

/** Vault items by name (never values); only items bound to the bundle may be chosen. */
function VaultOptions({ bundle }: { bundle: string }) {
  const vault = useOp('vault.list', {});
  return (
    <>
      {vault.data?.items.map((item) => (
        <option key={item.name} value={item.name} disabled={!item.bundles.includes(bundle)}>
          {item.name}
          {item.bundles.includes(bundle) ? '' : ' (not bound to this bundle)'}
        </option>
      ))}
    </>
  );
}

export type Task = OpOutput<'tasks.list'>['tasks'][number];
type Row = { name: string; value: string };

/**
 * Starts a run. The contract does not (yet) describe a task's variables, so the form takes
 * NAME=value pairs, files picked in the native dialog and vault items by name; the core checks
 * them against the task's config and says what is missing. Read-write tasks need a reason.
 */
export function RunForm({ task, onClose }: { task: Task; onClose: () => void }) {
  const api = useApi();
  const session = useSession();
  const [values, setValues] = useState<Row[]>([]);
  const [files, setFiles] = useState<Row[]>([]);
  const [secrets, setSecrets] = useState<Row[]>([]);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, busy, run } = useAction();
  const readWrite = task.access === 'read-write';

  const record = (rows: Row[]) => Object.fromEntries(rows.filter((r) => r.name.trim()).map((r) => [r.name.trim(), r.value]));

  async function pickFile(index: number | null) {
    const path = await api.chooseFile({ title: 'Choose a file for the task' });
    if (!path) return;
    if (index === null) setFiles((f) => [...f, { name: '', value: path }]);
    else setFiles((f) => f.map((r, i) => (i === index ? { ...r, value: path } : r)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = { bundle: `${task.bundle}@${task.version}`, task: task.id, values: record(values), files: record(files), secrets: record(secrets), reason: reason.trim() || undefined };
    const problems = validateInput('runs.start', input) ?? {};
    if (readWrite && !reason.trim()) problems.reason = 'a read-write task needs a reason';
    setErrors(problems);
    if (Object.keys(problems).length) return;
    await run(async () => {
      const started = await api.call('runs.start', input);
      if (!started.ok) return started.error;
      onClose();
      window.location.hash = `#/runs/${started.value.id}`;
    });
  }

  const rowEditor = (label: string, rows: Row[], set: (r: Row[]) => void, kind: 'value' | 'file' | 'secret') => (
    <fieldset className="rows">
      <legend>{label}</legend>
      {rows.map((r, i) => (
        <div key={i} className="row-inputs">
          <input aria-label={`${label} ${i + 1} name`} className="mono" value={r.name} placeholder="NAME" onChange={(e) => set(rows.map((x, j) => (j === i ? { ...x, name: kind === 'secret' ? e.target.value : e.target.value.toUpperCase() } : x)))} />
          {kind === 'value' && <input aria-label={`${label} ${i + 1} value`} value={r.value} onChange={(e) => set(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))} />}
          {kind === 'file' && (
            <button type="button" className="btn btn-small" onClick={() => void pickFile(i)} aria-label={`Choose file for ${label} ${i + 1}`}>
              {r.value ? <span className="mono">{r.value}</span> : 'Choose file…'}
            </button>
          )}
          {kind === 'secret' && (
            <select aria-label={`${label} ${i + 1} vault item`} value={r.value} onChange={(e) => set(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}>
              <option value="">Choose a vault item</option>
              <VaultOptions bundle={task.bundle} />
            </select>
          )}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => set(rows.filter((_, j) => j !== i))} aria-label={`Remove ${label} ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => (kind === 'file' ? void pickFile(null) : set([...rows, { name: '', value: '' }]))}
      >
        {kind === 'value' ? 'Add a value' : kind === 'file' ? 'Add a file…' : 'Add a secret'}
      </button>
    </fieldset>
  );

  return (
    <Modal title={`Run ${task.title}`} onClose={onClose} wide>
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <p className="muted">
          {task.bundle} {task.version} · <span className="mono">{task.id}</span> · {task.access}
        </p>
        {task.description && <p>{task.description}</p>}
        {rowEditor('Values', values, setValues, 'value')}
        {rowEditor('Files', files, setFiles, 'file')}
        {session.can('vault.manage') && rowEditor('Secrets', secrets, setSecrets, 'secret')}
        {Object.entries(errors)
          .filter(([k]) => k !== 'reason')
          .map(([k, m]) => (
            <p key={k} className="field-error">
              {k}: {m}
            </p>
          ))}
        <div className="field">
          <label htmlFor="run-reason">Reason{readWrite ? ' (required for a read-write task)' : ' (optional)'}</label>
          <textarea id="run-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} aria-invalid={errors.reason ? true : undefined} aria-describedby={errors.reason ? 'run-reason-error' : undefined} />
          {errors.reason && (
            <p id="run-reason-error" className="field-error">
              {errors.reason}
            </p>
          )}
        </div>
        <ErrorNotice error={error} />
        <div className="card-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
