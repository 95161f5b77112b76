import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { engineDownReason, useEngine } from '../../api/engine';
import { useApi } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpOutput } from '../../api/contract';
import { Modal } from '../../components/Modal';
import { PinDialog } from '../../components/PinDialog';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { TagChips } from './run-parts';

export type Task = OpOutput<'tasks.list'>['tasks'][number];
type Declaration = OpOutput<'tasks.show'>['task'];
type Variable = Declaration['config'][number];
type Errors = Record<string, string>;

/** What a form field starts with: the declared default, as the text the core takes. */
function initialValue(v: Variable): string {
  if (v.type === 'boolean') return String(v.default === true);
  return v.default === null ? '' : String(v.default);
}

/** The vault item a secret starts with: the one of the same name when it is bound (the core's default too). */
function initialItem(s: Declaration['secrets'][number]): string {
  return s.vaultItems?.includes(s.name) ? s.name : s.vaultItems?.length === 1 ? s.vaultItems[0]! : '';
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(value);
  } catch {
    // The core checked the pattern at import; if this engine cannot read it, the core decides.
    return true;
  }
}

/**
 * The same checks the core makes (src/runner/config.ts), shown next to each field before anything
 * is sent. The core checks again: this only saves a round trip and says where the problem is.
 */
export function validateRun(
  decl: Declaration,
  values: Record<string, string>,
  files: Record<string, string>,
  secrets: Record<string, string>,
  reason: string,
): Errors {
  const errors: Errors = {};
  for (const v of decl.config) {
    const value = (v.type === 'file' ? files[v.name] : values[v.name]) ?? '';
    if (value.trim() === '') {
      if (v.required) errors[v.name] = v.type === 'file' ? 'Choose a file: this variable is required.' : 'Required: give a value.';
      continue;
    }
    if (v.type === 'string' && v.pattern && !matches(v.pattern, value)) {
      errors[v.name] = `Does not match the pattern ${v.pattern}${v.example ? ` (for example ${v.example})` : ''}.`;
    } else if (v.type === 'number' && (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value.trim()) || !Number.isFinite(Number(value)))) {
      errors[v.name] = 'Enter a number.';
    } else if (value.length > 4096) {
      errors[v.name] = 'At most 4096 characters.';
    }
  }
  for (const s of decl.secrets) {
    if (s.vaultItems !== null && !secrets[s.name]) {
      errors[`secret:${s.name}`] =
        s.vaultItems.length === 0
          ? `No vault item is bound to ${decl.bundle}: bind one on the Vault screen first.`
          : 'Choose the vault item that fills this secret.';
    }
  }
  if (decl.reasonRequired && !reason.trim()) errors.reason = 'A read-write task needs a written reason.';
  return errors;
}

/** What a field's control carries: its id, and its hint and message wired for screen readers. */
interface FieldAria {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
  /** The message of an invalid field (ARIA's own link from a control to its error). */
  'aria-errormessage': string | undefined;
}

/** A labelled control with its description and error, wired to aria-describedby and aria-errormessage. */
function Row({
  label,
  required,
  hint,
  error,
  control,
  mono = true,
}: {
  label: string;
  required: boolean;
  hint: string;
  error: string | undefined;
  mono?: boolean;
  control: (aria: FieldAria) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const aria: FieldAria = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'aria-errormessage': error ? `${id}-error` : undefined,
  };
  return (
    <div className="field run-var">
      <span className="label-row">
        <label htmlFor={id} className={mono ? 'mono' : undefined}>
          {label}
        </label>
        {required && (
          <span className="required-mark" aria-hidden="true" title="required">
            *
          </span>
        )}
      </span>
      {control(aria)}
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function hintOf(v: Variable): string {
  const parts = [v.description];
  if (v.type === 'string' && v.pattern) parts.push(`Pattern: ${v.pattern}`);
  if (v.example) parts.push(`Example: ${v.example}`);
  if (v.type === 'file') parts.push('Mounted read-only for the task.');
  return parts.filter(Boolean).join(' · ');
}

/**
 * What "Run again" starts from: the earlier run's values (a sensitive one was never shown back, so it
 * is typed again), its secrets by vault item name, and its reason. Files are picked again: a path is
 * only taken from the file dialog.
 */
export interface RunAgain {
  values: Record<string, string>;
  secrets: Record<string, string>;
  reason: string;
  /** The run these came from. */
  from: string;
}

/** The earlier run's value of a variable, unless it was sensitive (then it comes back masked) or is no longer declared. */
function againValue(v: Variable, again: RunAgain | undefined): string | undefined {
  if (!again || v.sensitive || v.type === 'file') return undefined;
  return again.values[v.name];
}

function GeneratedForm({ decl, onClose, again }: { decl: Declaration; onClose: () => void; again?: RunAgain }) {
  const api = useApi();
  const engineDown = engineDownReason(useEngine());
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(decl.config.filter((v) => v.type !== 'file').map((v) => [v.name, againValue(v, again) ?? initialValue(v)])),
  );
  const [files, setFiles] = useState<Record<string, string>>({});
  const [secrets, setSecrets] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      decl.secrets.map((s) => {
        const earlier = again?.secrets[s.name];
        return [s.name, earlier && s.vaultItems?.includes(earlier) ? earlier : initialItem(s)];
      }),
    ),
  );
  const [reason, setReason] = useState(again?.reason ?? '');
  // Enabled nodes a run may be placed on; none listed (or none enrolled): the form does not ask.
  const nodes = useOp('nodes.list', {}).data?.nodes.filter((n) => n.state === 'enabled') ?? [];
  const [node, setNode] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const { error, busy, run } = useAction();
  const [submitted, setSubmitted] = useState(false);
  // The active SSH CA, when the task asks for SSH certificates and the CA's key is on a token (its PIN is asked at start).
  const cas = useOp('sshCa.list', {});
  const tokenCa = decl.sshCredentials.length > 0 ? (cas.data?.cas.find((c) => c.state === 'active' && c.token)?.token ?? null) : null;
  const [askingPin, setAskingPin] = useState(false);
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  // After the first attempt, messages follow what is typed, picked and chosen.
  useEffect(() => {
    if (submitted) setErrors(validateRun(decl, values, files, secrets, reason));
  }, [submitted, decl, values, files, secrets, reason]);

  async function pickFile(name: string) {
    const path = await api.chooseFile({ title: `Choose the file for ${name}` });
    if (path) setFiles((f) => ({ ...f, [name]: path }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = validateRun(decl, values, files, secrets, reason);
    setSubmitted(true);
    setErrors(problems);
    if (Object.keys(problems).length) {
      // Focus the first field the operator has to fix.
      (event.currentTarget as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    // A task that needs an SSH certificate from a CA on a hardware token: the PIN dialog makes the call.
    if (tokenCa) return setAskingPin(true);
    await run(async () => await start(undefined));
  }

  async function start(tokenPin: string | undefined) {
    // Empty optional values are left out, so the core applies the task's own defaults.
    const sent = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== ''));
    const chosen = Object.fromEntries(Object.entries(secrets).filter(([, item]) => item));
    const started = await api.call('runs.start', {
      bundle: `${decl.bundle}@${decl.version}`,
      task: decl.id,
      values: sent,
      files,
      secrets: chosen,
      reason: reason.trim() || undefined,
      node: node || undefined,
      ...(tokenPin ? { tokenPin } : {}),
    });
    if (!started.ok) return started.error;
    onClose();
    window.location.hash = `#/runs/${started.value.id}`;
  }

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
              onChange={(e) => set(v.name, String(e.target.checked))}
            />
            <span>{values[v.name] === 'true' ? 'true' : 'false'}</span>
          </span>
        );
      case 'enum':
        return (
          <select {...common} value={values[v.name] ?? ''} onChange={(e) => set(v.name, e.target.value)}>
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
            <button type="button" className="btn btn-small" {...aria} onClick={() => void pickFile(v.name)}>
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
            onChange={(e) => set(v.name, e.target.value)}
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
            onChange={(e) => set(v.name, e.target.value)}
            placeholder={v.sensitive ? '' : (v.example ?? '')}
          />
        );
    }
  };

  return (
    <>
      <form onSubmit={(e) => void submit(e)} noValidate className="stack">
        <p className="muted">
          {decl.bundle} {decl.version} · <span className="mono">{decl.id}</span> · {decl.access}
        </p>
        {decl.description && <p>{decl.description}</p>}
        {again && (
          <StatusNotice tone="info">
            Filled in from run {again.from}.{decl.config.some((v) => v.type === 'file') ? ' Choose its files again.' : ''}
            {decl.config.some((v) => v.sensitive) ? ' Type its sensitive values again: they are never shown back.' : ''}
          </StatusNotice>
        )}
        <dl className="facts-inline" aria-label="Sandbox">
          <div>
            <dt>Network</dt>
            <dd className="mono">{decl.network}</dd>
          </div>
          <div>
            <dt>Timeout</dt>
            <dd>{decl.timeoutSeconds} s</dd>
          </div>
          <div>
            <dt>Limits</dt>
            <dd>
              {decl.resources.cpu} CPU · {decl.resources.memoryMiB} MiB · {decl.resources.pids} processes
            </dd>
          </div>
          <div>
            <dt>Policy</dt>
            <dd>
              <span className={`badge badge-${decl.enabled ? 'success' : 'danger'}`}>{decl.enabled ? 'allowed' : 'disabled'}</span>{' '}
              <span className="muted">{decl.reason}</span>
            </dd>
          </div>
        </dl>
        <TagChips tags={decl.tags} />
        {decl.approvalRequired && (
          <StatusNotice tone="info">
            Approval is required here: this run waits until another operator or an admin approves it (two-person rule).
          </StatusNotice>
        )}
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
                    <select
                      {...aria}
                      aria-required
                      value={secrets[s.name] ?? ''}
                      onChange={(e) => setSecrets((x) => ({ ...x, [s.name]: e.target.value }))}
                    >
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
        {nodes.length > 0 && (
          <Row
            label="Run on"
            mono={false}
            required={false}
            hint="Another machine enrolled by an admin runs the task with the same sandbox; by default it runs here."
            error={undefined}
            control={(aria) => (
              <select {...aria} value={node} onChange={(e) => setNode(e.target.value)}>
                <option value="">This workstation</option>
                {nodes.map((n) => (
                  <option key={n.name} value={n.name}>
                    {n.name}
                    {n.unreachable ? ' (not answering)' : ''}
                  </option>
                ))}
              </select>
            )}
          />
        )}
        <Row
          label={decl.reasonRequired ? 'Reason' : 'Reason (optional)'}
          mono={false}
          required={decl.reasonRequired}
          hint={
            decl.reasonRequired
              ? 'A read-write task changes systems: say why you run it. It is kept with the run and in the audit trail.'
              : ''
          }
          error={errors.reason}
          control={(aria) => (
            <textarea
              {...aria}
              aria-required={decl.reasonRequired || undefined}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              rows={2}
            />
          )}
        />
        <ErrorNotice error={error} />
        {engineDown && (
          <p className="notice notice-warning" id="run-engine-down">
            {engineDown} Start the engine, then check again from the header.
          </p>
        )}
        <div className="card-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || !decl.enabled || engineDown !== null}
            aria-describedby={engineDown ? 'run-engine-down' : undefined}
          >
            {busy ? 'Starting…' : decl.approvalRequired ? 'Start and ask for approval' : 'Start run'}
          </button>
        </div>
      </form>
      {askingPin && tokenCa && (
        <PinDialog
          title="Sign the run's SSH certificate on the hardware token"
          token={tokenCa.token}
          submitLabel={decl.approvalRequired ? 'Start and ask for approval' : 'Start run'}
          use={start}
          onClose={() => setAskingPin(false)}
        >
          <p>
            This task signs in to hosts with a short-lived SSH certificate. The certificate authority's key is on the token{' '}
            <span className="mono">{tokenCa.token}</span>.
          </p>
        </PinDialog>
      )}
    </>
  );
}

/**
 * Starts a run with a form generated from the task's declaration (`tasks.show`): one labelled
 * control per variable by type, defaults filled in, required ones marked, a vault picker per secret
 * offering only items bound to the bundle, and a reason for read-write tasks.
 */
export function RunForm({
  task,
  onClose,
  initial,
}: {
  task: Pick<Task, 'bundle' | 'version' | 'id' | 'title'>;
  onClose: () => void;
  /** Run again: start from an earlier run's values. */
  initial?: RunAgain;
}) {
  const decl = useOp('tasks.show', { bundle: `${task.bundle}@${task.version}`, task: task.id });
  return (
    <Modal title={`Run ${task.title}`} onClose={onClose} wide>
      {decl.data ? (
        <GeneratedForm decl={decl.data.task} onClose={onClose} {...(initial ? { again: initial } : {})} />
      ) : (
        <div className="stack">
          {decl.loading && <p className="muted">Reading the task’s variables…</p>}
          <ErrorNotice error={decl.error} />
          <div className="card-actions">
            <button type="button" className="btn btn-ghost" onClick={onClose}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
