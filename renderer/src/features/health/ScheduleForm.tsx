import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpInput, OpOutput } from '../../api/contract';
import { Modal } from '../../components/Modal';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { ReadingTask, ReasonField, Row, TaskValueFields, useTaskValues, validateRun, type Declaration } from '../runs';
import { blackoutProblem, blackoutsOf, rowsOf, type BlackoutRow } from './blackouts';
import { BlackoutFields } from './BlackoutFields';
import { TaskPicker } from './TaskPicker';
import { usePreviewError, useWhen, WhenFields } from './WhenFields';

export type Schedule = OpOutput<'schedules.list'>['schedules'][number];

/** Who approved a read-write task's schedule, or that it waits; said before a change resets it. */
function approvalText(s: Schedule | undefined, decl: Declaration): string | null {
  if (decl.access !== 'read-write') return null;
  const rule = 'This task changes systems: its schedule fires only once another operator or an admin approves it (two-person rule).';
  if (!s) return `${rule} After you add it, it waits for that approval.`;
  if (s.approvedBy)
    return `${rule} ${s.approvedBy} approved it${s.approvedAt ? ` on ${formatTime(s.approvedAt)}` : ''}; saving a change asks for approval again.`;
  return `${rule} It is waiting for that approval now.`;
}

function ScheduleFields({ decl, schedule, onClose }: { decl: Declaration; schedule?: Schedule; onClose: () => void }) {
  const api = useApi();
  const [name, setName] = useState(schedule?.name ?? decl.title);
  const task = useTaskValues(decl, schedule?.config);
  const { values, files, secrets } = task;
  const [reason, setReason] = useState(schedule?.reason ?? '');
  const when = useWhen(schedule);
  const { kind, cron, amount, unit, timeZone, everySeconds, timing } = when;
  const [rows, setRows] = useState<BlackoutRow[]>(() => rowsOf(schedule?.blackouts ?? []));
  const [jitter, setJitter] = useState(String(schedule?.jitterSeconds ?? 0));
  const [missed, setMissed] = useState<'once' | 'skip'>(schedule?.missed ?? 'once');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [submitted, setSubmitted] = useState(false);
  const { error, busy, run } = useAction();

  const blackouts = useMemo(() => blackoutsOf(rows), [rows]);
  const previewError = usePreviewError(timing, blackouts);

  function problems(): Record<string, string> {
    const out = validateRun(decl, values, files, secrets, reason);
    if (!name.trim()) out.name = 'Give the schedule a name.';
    if (kind === 'cron' && !cron.trim()) out.cron = 'Give a cron expression, such as 0 6 * * 1-5 (06:00 on weekdays).';
    if (kind === 'interval' && !timing) out.every = 'A whole number; the interval is at least one minute.';
    if (previewError) out[/time zone/.test(previewError) ? 'zone' : kind === 'cron' ? 'cron' : 'every'] = previewError;
    rows.forEach((r, i) => {
      const p = blackoutProblem(r);
      if (p) out[`blackout:${i}`] = p;
    });
    const j = Number(jitter);
    if (!/^\d+$/.test(jitter.trim()) || j > 3600) out.jitter = 'A whole number of seconds from 0 to 3600.';
    else if (kind === 'interval' && timing && j >= everySeconds) out.jitter = 'The jitter must be shorter than the interval.';
    return out;
  }
  useEffect(() => {
    if (submitted) setErrors(problems());
  }, [submitted, name, values, files, secrets, reason, kind, cron, amount, unit, timeZone, rows, jitter, previewError]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = problems();
    setSubmitted(true);
    setErrors(found);
    if (Object.keys(found).length) {
      (event.currentTarget as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const input: OpInput<'schedules.add'> = {
      name: name.trim(),
      bundle: schedule?.bundle ?? decl.bundle,
      task: decl.id,
      ...task.sent(),
      reason: reason.trim() || undefined,
      ...timing!,
      blackouts,
      jitterSeconds: Number(jitter),
      missed,
    };
    await run(async () => {
      const done = schedule ? await api.call('schedules.update', { ...input, id: schedule.id }) : await api.call('schedules.add', input);
      if (!done.ok) return done.error;
      onClose();
    });
  }

  const approval = approvalText(schedule, decl);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="stack">
      <p className="muted">
        {decl.bundle} {decl.version} · {decl.title} · {decl.access === 'read-write' ? 'changes systems' : 'reads only'}
      </p>
      {schedule && decl.config.some((v) => v.sensitive) && (
        <StatusNotice tone="info">Type the sensitive values again: they are never shown back.</StatusNotice>
      )}
      {approval && <StatusNotice tone={schedule && !schedule.approvedBy ? 'warning' : 'info'}>{approval}</StatusNotice>}
      <Row
        label="Schedule name"
        mono={false}
        required
        hint=""
        error={errors.name}
        control={(aria) => <input {...aria} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />}
      />
      <WhenFields when={when} blackouts={blackouts} previewError={previewError} errors={errors} />
      <BlackoutFields rows={rows} setRows={setRows} timeZone={timeZone} errors={errors} />
      <fieldset className="stack">
        <legend>Timing details</legend>
        <Row
          label="Jitter (seconds)"
          mono={false}
          required={false}
          hint="Each run starts up to this much later, the same for the same occurrence, so many schedules do not start at once. 0 to 3600."
          error={errors.jitter}
          control={(aria) => (
            <input {...aria} inputMode="numeric" className="input-short" value={jitter} onChange={(e) => setJitter(e.target.value)} />
          )}
        />
        <div className="field" role="radiogroup" aria-label="Runs missed while the runner was off">
          <span className="label-row">Runs missed while the runner was off or locked</span>
          <label className="check">
            <input type="radio" name="missed" checked={missed === 'once'} onChange={() => setMissed('once')} />
            <span>Run once when it is back</span>
          </label>
          <label className="check">
            <input type="radio" name="missed" checked={missed === 'skip'} onChange={() => setMissed('skip')} />
            <span>Skip them</span>
          </label>
        </div>
      </fieldset>
      <TaskValueFields {...task.fields} errors={errors} />
      <ReasonField
        required={decl.reasonRequired}
        hint="Why this task runs on a schedule: kept with every run it starts and in the audit trail."
        value={reason}
        onChange={setReason}
        error={errors.reason}
      />
      <ErrorNotice error={error} />
      <div className="card-actions">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !decl.enabled}>
          {busy ? 'Saving…' : schedule ? 'Save changes' : decl.access === 'read-write' ? 'Add and ask for approval' : 'Add schedule'}
        </button>
      </div>
    </form>
  );
}

function DeclaredTask({ task, schedule, onClose }: { task: { bundle: string; id: string }; schedule?: Schedule; onClose: () => void }) {
  const decl = useOp('tasks.show', { bundle: task.bundle, task: task.id });
  if (decl.data) return <ScheduleFields decl={decl.data.task} onClose={onClose} {...(schedule ? { schedule } : {})} />;
  return <ReadingTask state={decl} onClose={onClose} />;
}

/**
 * Adds a schedule (pick a task from the catalog, then its values and timing) or edits one (its task
 * stays). The next runs are computed by the core in the chosen zone and shown in words as you type.
 */
export function ScheduleForm({ schedule, onClose }: { schedule?: Schedule; onClose: () => void }) {
  const session = useSession();
  const [task, setTask] = useState<{ bundle: string; id: string } | null>(schedule ? { bundle: schedule.bundle, id: schedule.task } : null);
  return (
    <Modal title={schedule ? `Edit schedule ${schedule.name}` : 'New schedule'} onClose={onClose} wide>
      {!session.can('runs.start') ? (
        <StatusNotice tone="warning">Only operators make and change schedules.</StatusNotice>
      ) : task ? (
        <DeclaredTask task={task} onClose={onClose} {...(schedule ? { schedule } : {})} />
      ) : (
        <TaskPicker onPick={setTask} />
      )}
    </Modal>
  );
}
