import { useEffect, useState, type FormEvent } from 'react';
import { engineDownReason, useEngine } from '../../api/engine';
import { useApi } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { ApiErrorShape, OpOutput } from '../../api/contract';
import { Modal } from '../../components/Modal';
import { PinDialog } from '../../components/PinDialog';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { TagChips } from './run-parts';
import { ReasonField } from './fields';
import { TaskValueFields, useTaskValues } from './TaskValueFields';
import { validateRun, type Declaration, type Errors, type RunAgain } from './task-values';
import { labelsText, parseLabels, validateWhere, type Where } from './where';
import { WhereFields } from './WhereFields';

export type Task = OpOutput<'tasks.list'>['tasks'][number];

/** The task's sandbox and policy, in words, above its fields. */
function SandboxFacts({ decl }: { decl: Declaration }) {
  return (
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
  );
}

function GeneratedForm({ decl, onClose, again }: { decl: Declaration; onClose: () => void; again?: RunAgain }) {
  const api = useApi();
  const engineDown = engineDownReason(useEngine());
  const task = useTaskValues(decl, again);
  const { values, files, secrets } = task;
  const [reason, setReason] = useState(again?.reason ?? '');
  // Enabled nodes a run may be placed on; none listed (or none enrolled) and no placement in the task: the form does not ask.
  const nodeList = useOp('nodes.list', {});
  const listed = nodeList.data?.nodes.filter((n) => n.state === 'enabled') ?? null;
  const nodes = listed ?? [];
  const [where, setWhere] = useState<Where>({ labels: labelsText(decl.placement?.labels ?? {}), node: '', retry: false });
  const asksWhere = nodes.length > 0 || decl.placement !== null;
  const typedLabels = parseLabels(where.labels).labels;
  const byLabels = Object.keys(typedLabels).length > 0;
  const [errors, setErrors] = useState<Errors>({});
  const { error, busy, run } = useAction();
  const [submitted, setSubmitted] = useState(false);
  // The active SSH CA, when the task asks for SSH certificates and the CA's key is on a token (its PIN is asked at start).
  const cas = useOp('sshCa.list', {});
  const tokenCa = decl.sshCredentials.length > 0 ? (cas.data?.cas.find((c) => c.state === 'active' && c.token)?.token ?? null) : null;
  const [askingPin, setAskingPin] = useState(false);
  // After the first attempt, messages follow what is typed, picked and chosen.
  const check = (): Errors => ({ ...validateRun(decl, values, files, secrets, reason), ...validateWhere(decl, where, listed) });
  useEffect(() => {
    if (submitted) setErrors(check());
    // `check` reads exactly these.
  }, [submitted, decl, values, files, secrets, reason, where, nodeList.data]);

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
    const started = await api.call('runs.start', {
      bundle: `${decl.bundle}@${decl.version}`,
      task: decl.id,
      ...task.sent(),
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
        <SandboxFacts decl={decl} />
        <TagChips tags={decl.tags} />
        {decl.approvalRequired && (
          <StatusNotice tone="info">
            Approval is required here: this run waits until another operator or an admin approves it (two-person rule).
          </StatusNotice>
        )}
        <TaskValueFields {...task.fields} errors={errors} />
        {asksWhere && <WhereFields decl={decl} where={where} labels={typedLabels} nodes={nodes} errors={errors} setWhere={setWhere} />}
        <ReasonField
          required={decl.reasonRequired}
          hint="A read-write task changes systems: say why you run it. It is kept with the run and in the audit trail."
          value={reason}
          onChange={setReason}
          error={errors.reason}
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
