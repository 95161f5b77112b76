import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { OpInput, OpOutput } from '../../api/contract';
import { Modal } from '../../components/Modal';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { ReadingTask, Row, TaskValueFields, startingSecrets, startingValues, validateRun } from '../runs';

export type Schedule = OpOutput<'schedules.list'>['schedules'][number];
type Declaration = OpOutput<'tasks.show'>['task'];
type Blackout = NonNullable<OpInput<'schedules.add'>['blackouts']>[number];
type Weekday = Extract<Blackout, { kind: 'weekly' }>['days'][number];

const DAYS: ReadonlyArray<{ id: Weekday; label: string }> = [
  { id: 'mon', label: 'Mon' },
  { id: 'tue', label: 'Tue' },
  { id: 'wed', label: 'Wed' },
  { id: 'thu', label: 'Thu' },
  { id: 'fri', label: 'Fri' },
  { id: 'sat', label: 'Sat' },
  { id: 'sun', label: 'Sun' },
];
const UNITS = [
  { id: 'minutes', seconds: 60 },
  { id: 'hours', seconds: 3600 },
  { id: 'days', seconds: 86400 },
] as const;
type Unit = (typeof UNITS)[number]['id'];

/** This workstation's time zone: the form's default. */
export const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function zoneList(current: string): string[] {
  const all = new Set<string>(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []);
  all.add('UTC');
  all.add(LOCAL_ZONE);
  all.add(current);
  return [...all].sort();
}

/** A blackout row as the form edits it: weekly days as a set; a range as local date-times of this workstation. */
type BlackoutRow =
  | { kind: 'dates'; date: string }
  | { kind: 'range'; from: string; to: string }
  | { kind: 'weekly'; days: Weekday[]; start: string; end: string };

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** A time of day typed as HH:MM, 24-hour (a time input would show the browser's 12-hour clock). */
const TIME_OF_DAY = { type: 'text', inputMode: 'numeric', placeholder: 'HH:MM', maxLength: 5, className: 'input-short mono' } as const;

const pad = (n: number) => String(n).padStart(2, '0');
/** An instant as a datetime-local value in this workstation's time. */
function localInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function rowsOf(blackouts: readonly Blackout[]): BlackoutRow[] {
  return blackouts.flatMap((b): BlackoutRow[] =>
    b.kind === 'dates'
      ? b.dates.map((date) => ({ kind: 'dates', date }))
      : b.kind === 'range'
        ? [{ kind: 'range', from: localInput(b.from), to: localInput(b.to) }]
        : [{ kind: 'weekly', days: [...b.days], start: b.start, end: b.end }],
  );
}

/** The rows as the core takes them; a row not filled in yet is left out (and marked). */
function blackoutsOf(rows: readonly BlackoutRow[]): Blackout[] {
  const out: Blackout[] = [];
  for (const r of rows) {
    if (r.kind === 'dates' && r.date) out.push({ kind: 'dates', dates: [r.date] });
    if (r.kind === 'range' && r.from && r.to) {
      const from = new Date(r.from);
      const to = new Date(r.to);
      if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()))
        out.push({ kind: 'range', from: from.toISOString(), to: to.toISOString() });
    }
    if (r.kind === 'weekly' && HHMM.test(r.start) && HHMM.test(r.end))
      out.push({ kind: 'weekly', days: r.days, start: r.start, end: r.end });
  }
  return out;
}

function blackoutProblem(r: BlackoutRow): string | null {
  if (r.kind === 'dates') return r.date ? null : 'Choose the day.';
  if (r.kind === 'range') {
    if (!r.from || !r.to) return 'Give the start and the end.';
    return new Date(r.to) > new Date(r.from) ? null : 'The end must come after the start.';
  }
  if (!HHMM.test(r.start) || !HHMM.test(r.end)) return 'Give the start and end as HH:MM, 24-hour (22:00, 04:00).';
  return r.start === r.end ? 'The end must differ from the start (an end before the start crosses midnight).' : null;
}

function intervalOf(seconds: number): { amount: string; unit: Unit } {
  const unit = [...UNITS].reverse().find((u) => seconds % u.seconds === 0) ?? UNITS[0];
  return { amount: String(seconds / unit.seconds), unit: unit.id };
}

/** Who approved a read-write task's schedule, or that it waits; said before a change resets it. */
function approvalText(s: Schedule | undefined, decl: Declaration): string | null {
  if (decl.access !== 'read-write') return null;
  const rule = 'This task changes systems: its schedule fires only once another operator or an admin approves it (two-person rule).';
  if (!s) return `${rule} After you add it, it waits for that approval.`;
  if (s.approvedBy)
    return `${rule} ${s.approvedBy} approved it${s.approvedAt ? ` on ${formatTime(s.approvedAt)}` : ''}; saving a change asks for approval again.`;
  return `${rule} It is waiting for that approval now.`;
}

function Preview({
  timing,
  blackouts,
}: {
  timing: Pick<OpInput<'schedules.preview'>, 'cron' | 'everySeconds' | 'timeZone'> | null;
  blackouts: Blackout[];
}) {
  const preview = useOp('schedules.preview', { ...(timing ?? { timeZone: 'UTC', everySeconds: 3600 }), blackouts, count: 5 });
  if (!timing) return <p className="muted">Give a cron expression or an interval to see when it runs.</p>;
  if (preview.error) return null;
  return (
    <div className="stack" aria-live="polite">
      <p className="hint">Next runs, in {timing.timeZone} (each may start up to the jitter later):</p>
      <ol className="schedule-preview" aria-label="Next runs">
        {preview.data?.occurrences.map((o) => (
          <li key={o.at}>
            {o.words}
            {o.skipped && <span className="muted"> — skipped: {o.skipped}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The preview's error, for the field it is about. */
function usePreviewError(timing: Pick<OpInput<'schedules.preview'>, 'cron' | 'everySeconds' | 'timeZone'> | null, blackouts: Blackout[]) {
  const preview = useOp('schedules.preview', { ...(timing ?? { timeZone: 'UTC', everySeconds: 3600 }), blackouts, count: 1 });
  return timing ? (preview.error?.message ?? null) : null;
}

function ScheduleFields({ decl, schedule, onClose }: { decl: Declaration; schedule?: Schedule; onClose: () => void }) {
  const api = useApi();
  const [name, setName] = useState(schedule?.name ?? decl.title);
  const [values, setValues] = useState(() => startingValues(decl, schedule?.config));
  const [files, setFiles] = useState<Record<string, string>>(() => ({ ...(schedule?.config.files ?? {}) }));
  const [secrets, setSecrets] = useState(() => startingSecrets(decl, schedule?.config));
  const [reason, setReason] = useState(schedule?.reason ?? '');
  const [kind, setKind] = useState<'cron' | 'interval'>(schedule?.timing.kind ?? 'interval');
  const [cron, setCron] = useState(schedule?.timing.kind === 'cron' ? schedule.timing.cron : '0 6 * * 1-5');
  const initialEvery = intervalOf(schedule?.timing.kind === 'interval' ? schedule.timing.everySeconds : 3600);
  const [amount, setAmount] = useState(initialEvery.amount);
  const [unit, setUnit] = useState<Unit>(initialEvery.unit);
  const [timeZone, setTimeZone] = useState(schedule?.timing.timeZone ?? LOCAL_ZONE);
  const [rows, setRows] = useState<BlackoutRow[]>(() => rowsOf(schedule?.blackouts ?? []));
  const [jitter, setJitter] = useState(String(schedule?.jitterSeconds ?? 0));
  const [missed, setMissed] = useState<'once' | 'skip'>(schedule?.missed ?? 'once');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [submitted, setSubmitted] = useState(false);
  const { error, busy, run } = useAction();
  const zones = useMemo(() => zoneList(timeZone), [timeZone]);

  const everySeconds = Number(amount) * UNITS.find((u) => u.id === unit)!.seconds;
  const timing =
    kind === 'cron'
      ? cron.trim()
        ? { cron: cron.trim(), timeZone }
        : null
      : Number.isInteger(everySeconds) && everySeconds >= 60
        ? { everySeconds, timeZone }
        : null;
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

  async function pickFile(variable: string) {
    const path = await api.chooseFile({ title: `Choose the file for ${variable}` });
    if (path) setFiles((f) => ({ ...f, [variable]: path }));
  }

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
      values: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '')),
      files,
      secrets: Object.fromEntries(Object.entries(secrets).filter(([, item]) => item)),
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

  const setRow = (i: number, row: BlackoutRow) => setRows((all) => all.map((r, j) => (j === i ? row : r)));
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
      <fieldset className="stack">
        <legend>When</legend>
        <div className="choice-row" role="radiogroup" aria-label="Repeat">
          <label className="check">
            <input type="radio" name="kind" checked={kind === 'interval'} onChange={() => setKind('interval')} />
            <span>At a fixed interval</span>
          </label>
          <label className="check">
            <input type="radio" name="kind" checked={kind === 'cron'} onChange={() => setKind('cron')} />
            <span>On a calendar (cron expression)</span>
          </label>
        </div>
        {kind === 'cron' ? (
          <Row
            label="Cron expression"
            mono={false}
            required
            hint="Five fields: minute, hour, day of the month, month, day of the week. 30 2 * * * is 02:30 every day; */15 * * * * every quarter hour."
            error={errors.cron}
            control={(aria) => (
              <input {...aria} className="mono" spellCheck={false} value={cron} onChange={(e) => setCron(e.target.value)} />
            )}
          />
        ) : (
          <Row
            label="Every"
            mono={false}
            required
            hint="At least one minute. Counted from when the schedule is saved."
            error={errors.every}
            control={(aria) => (
              <span className="row-inputs">
                <input {...aria} inputMode="numeric" className="input-short" value={amount} onChange={(e) => setAmount(e.target.value)} />
                <select aria-label="Unit" value={unit} onChange={(e) => setUnit(e.target.value as Unit)}>
                  {UNITS.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.id}
                    </option>
                  ))}
                </select>
              </span>
            )}
          />
        )}
        <Row
          label="Time zone"
          mono={false}
          required
          hint={`The calendar and the blackout days and windows are read in this zone, daylight saving included. This workstation is in ${LOCAL_ZONE}.`}
          error={errors.zone}
          control={(aria) => (
            <select {...aria} value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          )}
        />
        <Preview timing={previewError ? null : timing} blackouts={blackouts} />
      </fieldset>
      <fieldset className="stack">
        <legend>Blackouts</legend>
        <p className="hint">No run starts inside a blackout; the occurrence is skipped and the reason recorded.</p>
        {rows.map((r, i) => (
          <div key={i} className="blackout-row" role="group" aria-label={`Blackout ${i + 1}`}>
            {r.kind === 'dates' && (
              <Row
                label="Whole day"
                mono={false}
                required
                hint={`The day in ${timeZone}.`}
                error={errors[`blackout:${i}`]}
                control={(aria) => (
                  <input {...aria} type="date" value={r.date} onChange={(e) => setRow(i, { ...r, date: e.target.value })} />
                )}
              />
            )}
            {r.kind === 'range' && (
              <Row
                label="From and to"
                mono={false}
                required
                hint={`In this workstation's time (${LOCAL_ZONE}).`}
                error={errors[`blackout:${i}`]}
                control={(aria) => (
                  <span className="row-inputs">
                    <input {...aria} type="datetime-local" value={r.from} onChange={(e) => setRow(i, { ...r, from: e.target.value })} />
                    <input type="datetime-local" aria-label="To" value={r.to} onChange={(e) => setRow(i, { ...r, to: e.target.value })} />
                  </span>
                )}
              />
            )}
            {r.kind === 'weekly' && (
              <Row
                label="Every week, from and to"
                mono={false}
                required
                hint={`From and until, HH:MM in ${timeZone}; an end before the start runs past midnight. No day ticked: every day.`}
                error={errors[`blackout:${i}`]}
                control={(aria) => (
                  <span className="stack">
                    <span className="row-inputs">
                      <input {...aria} {...TIME_OF_DAY} value={r.start} onChange={(e) => setRow(i, { ...r, start: e.target.value })} />
                      <input {...TIME_OF_DAY} aria-label="Until" value={r.end} onChange={(e) => setRow(i, { ...r, end: e.target.value })} />
                    </span>
                    <span className="day-checks" role="group" aria-label="Days">
                      {DAYS.map((d) => (
                        <label key={d.id} className="check">
                          <input
                            type="checkbox"
                            checked={r.days.includes(d.id)}
                            onChange={(e) =>
                              setRow(i, {
                                ...r,
                                days: e.target.checked
                                  ? DAYS.map((x) => x.id).filter((x) => x === d.id || r.days.includes(x))
                                  : r.days.filter((x) => x !== d.id),
                              })
                            }
                          />
                          <span>{d.label}</span>
                        </label>
                      ))}
                    </span>
                  </span>
                )}
              />
            )}
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setRows((all) => all.filter((_, j) => j !== i))}>
              Remove blackout {i + 1}
            </button>
          </div>
        ))}
        <span className="row-inputs">
          <button type="button" className="btn btn-small" onClick={() => setRows((all) => [...all, { kind: 'dates', date: '' }])}>
            Add a day
          </button>
          <button type="button" className="btn btn-small" onClick={() => setRows((all) => [...all, { kind: 'range', from: '', to: '' }])}>
            Add a period
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setRows((all) => [...all, { kind: 'weekly', days: ['sat', 'sun'], start: '22:00', end: '04:00' }])}
          >
            Add a weekly window
          </button>
        </span>
      </fieldset>
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
      <TaskValueFields
        decl={decl}
        values={values}
        onValue={(n, v) => setValues((x) => ({ ...x, [n]: v }))}
        files={files}
        onPickFile={(n) => void pickFile(n)}
        secrets={secrets}
        onSecret={(n, item) => setSecrets((x) => ({ ...x, [n]: item }))}
        errors={errors}
      />
      <Row
        label={decl.reasonRequired ? 'Reason' : 'Reason (optional)'}
        mono={false}
        required={decl.reasonRequired}
        hint={decl.reasonRequired ? 'Why this task runs on a schedule: kept with every run it starts and in the audit trail.' : ''}
        error={errors.reason}
        control={(aria) => <textarea {...aria} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />}
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

/** The task to schedule, from the catalog (a new schedule only; a schedule keeps its task). */
function TaskPicker({ onPick }: { onPick: (task: { bundle: string; id: string }) => void }) {
  const tasks = useOp('tasks.list', {});
  const [chosen, setChosen] = useState('');
  const list = tasks.data?.tasks.filter((t) => t.enabled) ?? [];
  return (
    <div className="stack">
      <ErrorNotice error={tasks.error} />
      <Row
        label="Task"
        mono={false}
        required
        hint={
          list.length === 0 && !tasks.loading
            ? 'No task is allowed here yet: import a bundle first.'
            : 'Allowed tasks of the imported bundles.'
        }
        error={undefined}
        control={(aria) => (
          <select {...aria} value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">Choose a task…</option>
            {list.map((t) => (
              <option key={`${t.bundle}\n${t.id}`} value={`${t.bundle}\n${t.id}`}>
                {t.title} ({t.bundle} {t.version})
              </option>
            ))}
          </select>
        )}
      />
      <p className="hint">The schedule follows the newest imported version of the bundle.</p>
      <div className="card-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!chosen}
          onClick={() => {
            const [bundle, id] = chosen.split('\n');
            onPick({ bundle: bundle!, id: id! });
          }}
        >
          Continue
        </button>
      </div>
    </div>
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
