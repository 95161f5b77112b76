import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { engineDownReason, useEngine } from '../../api/engine';
import { useApi } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { ApiErrorShape, OpOutput } from '../../api/contract';
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

type EnrolledNode = OpOutput<'nodes.list'>['nodes'][number];

/** Where a run goes, as the form holds it: labels as typed, a named node or '', retry on another node. */
export interface Where {
  labels: string;
  node: string;
  retry: boolean;
}

const LABEL_KEY = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
const READ_WRITE = { key: 'read-write', value: 'allowed' } as const;

/** "segment=dc1, rack=12" as typed; the task's own labels written the same way (the form starts with them). */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The labels typed, or what is wrong with them (the core checks the same). */
export function parseLabels(text: string): { labels: Record<string, string>; error?: string } {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((p) => p.trim())) {
    if (!part) continue;
    const at = part.indexOf('=');
    const key = at > 0 ? part.slice(0, at).trim() : '';
    const value = at > 0 ? part.slice(at + 1).trim() : '';
    if (!key || !value) return { labels, error: `"${part}" is not a label: write key=value, for example segment=dc2.` };
    if (!LABEL_KEY.test(key))
      return { labels, error: `"${key}" is not a label key: use lower-case letters, digits, ".", "_", "/" and "-".` };
    if (value.length > 200) return { labels, error: `The value of ${key} is longer than 200 characters.` };
    if (key in labels && labels[key] !== value) return { labels, error: `${key} is given twice (${labels[key]} and ${value}): keep one.` };
    labels[key] = value;
  }
  return { labels };
}

/** Why a node cannot take the run (empty: it fits), as the core's placement says it. */
function misfit(node: EnrolledNode, labels: Readonly<Record<string, string>>, readWrite: boolean): string[] {
  const why: string[] = [];
  const lacking = Object.entries(labels).filter(([k, v]) => node.labels[k] !== v);
  if (lacking.length > 0) why.push(`lacks ${lacking.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (readWrite && node.labels[READ_WRITE.key] !== READ_WRITE.value) why.push('is not allowed to run read-write tasks');
  return why;
}

/** Why a retry on another node cannot be asked for now; null when it can. */
export function retryBlocked(decl: Pick<Declaration, 'access'>, where: Where, labels: Readonly<Record<string, string>>): string | null {
  if (decl.access !== 'read-only')
    return 'Only read-only tasks are retried: a read-write task may already have changed something before its node stopped answering.';
  if (where.node) return 'A run on one named node is not retried: choose "Any node with these labels" under Run on.';
  if (Object.keys(labels).length === 0) return 'Give the labels a node must carry first: a run on this workstation is not retried.';
  return null;
}

/**
 * The placement checks the core makes (src/nodes/placement.ts), shown at the fields: labels well
 * formed and keeping the task's own, a named node that carries them, some enrolled node that fits,
 * and a retry only where one can happen. `nodes` is null while the list is being read.
 */
export function validateWhere(
  decl: Pick<Declaration, 'access' | 'placement'>,
  where: Where,
  nodes: readonly EnrolledNode[] | null,
): Errors {
  const errors: Errors = {};
  const { labels, error } = parseLabels(where.labels);
  if (error) errors.placement = error;
  for (const [k, v] of Object.entries(decl.placement?.labels ?? {})) {
    if (errors.placement) break;
    if (labels[k] !== v) errors.placement = `This task's bundle asks for ${k}=${v}: keep it. You may add labels, not change the task's.`;
  }
  const readWrite = decl.access === 'read-write';
  if (!errors.placement && nodes) {
    const chosen = where.node ? nodes.find((n) => n.name === where.node) : undefined;
    if (chosen) {
      const why = misfit(chosen, labels, readWrite);
      if (why.length > 0) errors.node = `${chosen.name} ${why.join(' and ')}. Choose another node, or change the labels.`;
    } else if (Object.keys(labels).length > 0 && !nodes.some((n) => misfit(n, labels, readWrite).length === 0)) {
      errors.placement = `No enrolled node has ${labelsText(labels)}${readWrite ? ' and may run read-write tasks' : ''}. Change the labels, or ask an admin to label a node.`;
    }
  }
  if (where.retry) {
    const blocked = retryBlocked(decl, where, labels);
    if (blocked) errors.retry = blocked;
  }
  return errors;
}

/** What a field's control carries: its id, and its hint and message wired for screen readers. */
export interface FieldAria {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
  /** The message of an invalid field (ARIA's own link from a control to its error). */
  'aria-errormessage': string | undefined;
}

/** A labelled control with its description and error, wired to aria-describedby and aria-errormessage. */
export function Row({
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
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

/** A field's hint and error under its control, with the ids its aria-describedby and aria-errormessage name. */
function FieldNotes({ id, hint, error }: { id: string; hint: string; error: string | undefined }) {
  return (
    <>
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
    </>
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
function againValue(v: Variable, again: Pick<RunAgain, 'values'> | undefined): string | undefined {
  if (!again || v.sensitive || v.type === 'file') return undefined;
  return again.values[v.name];
}

/**
 * "Retry on another node": offered for read-only tasks placed by labels; for a read-write task it
 * is shown disabled with the reason, so the operator knows why it is not there.
 */
function RetryChoice({
  checked,
  blocked,
  readWrite,
  error,
  onChange,
}: {
  checked: boolean;
  blocked: string | null;
  readWrite: boolean;
  error: string | undefined;
  onChange: (retry: boolean) => void;
}) {
  const id = useId();
  const disabled = readWrite || (blocked !== null && !checked);
  const described = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field run-var">
      <label className="check" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked && !readWrite}
          disabled={disabled}
          aria-describedby={described}
          aria-invalid={error ? true : undefined}
          aria-errormessage={error ? `${id}-error` : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>Retry on another node if this one stops answering</span>
      </label>
      <FieldNotes
        id={id}
        hint={blocked ?? 'The run starts again on another node with the same labels, recorded as a retry of this one.'}
        error={error}
      />
    </div>
  );
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

/** A form's first values: an earlier run's or schedule's where given (never a sensitive one), else the declared defaults. */
export function startingValues(decl: Declaration, again?: Pick<RunAgain, 'values'>): Record<string, string> {
  return Object.fromEntries(decl.config.filter((v) => v.type !== 'file').map((v) => [v.name, againValue(v, again) ?? initialValue(v)]));
}

/** A form's first vault items: the earlier ones where still bound, else the item of the secret's name. */
export function startingSecrets(decl: Declaration, again?: Pick<RunAgain, 'secrets'>): Record<string, string> {
  return Object.fromEntries(
    decl.secrets.map((s) => {
      const earlier = again?.secrets[s.name];
      return [s.name, earlier && s.vaultItems?.includes(earlier) ? earlier : initialItem(s)];
    }),
  );
}

function GeneratedForm({ decl, onClose, again }: { decl: Declaration; onClose: () => void; again?: RunAgain }) {
  const api = useApi();
  const engineDown = engineDownReason(useEngine());
  const [values, setValues] = useState<Record<string, string>>(() => startingValues(decl, again));
  const [files, setFiles] = useState<Record<string, string>>({});
  const [secrets, setSecrets] = useState<Record<string, string>>(() => startingSecrets(decl, again));
  const [reason, setReason] = useState(again?.reason ?? '');
  // Enabled nodes a run may be placed on; none listed (or none enrolled) and no placement in the task: the form does not ask.
  const nodeList = useOp('nodes.list', {});
  const listed = nodeList.data?.nodes.filter((n) => n.state === 'enabled') ?? null;
  const nodes = listed ?? [];
  const [where, setWhere] = useState<Where>({ labels: labelsText(decl.placement?.labels ?? {}), node: '', retry: false });
  const asksWhere = nodes.length > 0 || decl.placement !== null;
  const typedLabels = parseLabels(where.labels).labels;
  const byLabels = Object.keys(typedLabels).length > 0;
  const retryWhy = retryBlocked(decl, where, typedLabels);
  const [errors, setErrors] = useState<Errors>({});
  const { error, busy, run } = useAction();
  const [submitted, setSubmitted] = useState(false);
  // The active SSH CA, when the task asks for SSH certificates and the CA's key is on a token (its PIN is asked at start).
  const cas = useOp('sshCa.list', {});
  const tokenCa = decl.sshCredentials.length > 0 ? (cas.data?.cas.find((c) => c.state === 'active' && c.token)?.token ?? null) : null;
  const [askingPin, setAskingPin] = useState(false);
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  // After the first attempt, messages follow what is typed, picked and chosen.
  const check = (): Errors => ({ ...validateRun(decl, values, files, secrets, reason), ...validateWhere(decl, where, listed) });
  useEffect(() => {
    if (submitted) setErrors(check());
    // `check` reads exactly these.
  }, [submitted, decl, values, files, secrets, reason, where, nodeList.data]);

  async function pickFile(name: string) {
    const path = await api.chooseFile({ title: `Choose the file for ${name}` });
    if (path) setFiles((f) => ({ ...f, [name]: path }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = check();
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
      node: where.node || undefined,
      placement: byLabels ? typedLabels : undefined,
      retryElsewhere: where.retry || undefined,
      ...(tokenPin ? { tokenPin } : {}),
    });
    if (!started.ok) return started.error;
    onClose();
    window.location.hash = `#/runs/${started.value.id}`;
  }

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
        <TaskValueFields
          decl={decl}
          values={values}
          onValue={set}
          files={files}
          onPickFile={(name) => void pickFile(name)}
          secrets={secrets}
          onSecret={(name, item) => setSecrets((x) => ({ ...x, [name]: item }))}
          errors={errors}
        />
        {asksWhere && (
          <fieldset className="stack">
            <legend>Where it runs</legend>
            <Row
              label="Node labels"
              mono={false}
              required={decl.placement !== null}
              hint={
                decl.placement
                  ? `This task's bundle asks for ${labelsText(decl.placement.labels)}: it runs on an enrolled node that carries them. You may add labels, separated by commas.`
                  : 'Labels an enrolled node must carry, as key=value separated by commas (for example segment=dc2). Empty: the run goes where Run on says.'
              }
              error={errors.placement}
              control={(aria) => (
                <input
                  {...aria}
                  type="text"
                  className="mono"
                  autoComplete="off"
                  spellCheck={false}
                  value={where.labels}
                  placeholder="segment=dc2"
                  onChange={(e) => setWhere((w) => ({ ...w, labels: e.target.value }))}
                />
              )}
            />
            <Row
              label="Run on"
              mono={false}
              required={false}
              hint="An enrolled machine runs the task with the same sandbox; a node you name must carry the labels too."
              error={errors.node}
              control={(aria) => (
                <select {...aria} value={where.node} onChange={(e) => setWhere((w) => ({ ...w, node: e.target.value }))}>
                  <option value="">{byLabels ? 'Any node with these labels' : 'This workstation'}</option>
                  {nodes.map((n) => (
                    <option key={n.name} value={n.name}>
                      {n.name}
                      {n.unreachable ? ' (not answering)' : ''}
                    </option>
                  ))}
                </select>
              )}
            />
            <RetryChoice
              checked={where.retry}
              blocked={retryWhy}
              readWrite={decl.access !== 'read-only'}
              error={errors.retry}
              onChange={(retry) => setWhere((w) => ({ ...w, retry }))}
            />
          </fieldset>
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

/** While a task's declaration is read (or when it cannot be): what is happening, and Cancel. */
export function ReadingTask({ state, onClose }: { state: { loading: boolean; error: ApiErrorShape | null }; onClose: () => void }) {
  return (
    <div className="stack">
      {state.loading && <p className="muted">Reading the task’s variables…</p>}
      <ErrorNotice error={state.error} />
      <div className="card-actions">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
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
        <ReadingTask state={decl} onClose={onClose} />
      )}
    </Modal>
  );
}
