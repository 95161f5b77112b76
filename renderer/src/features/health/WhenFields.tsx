import { useMemo, useState } from 'react';
import { useOp } from '../../api/use-op';
import type { OpInput } from '../../api/contract';
import { Row } from '../runs';
import type { Blackout } from './blackouts';
import type { Schedule } from './ScheduleForm';

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

function intervalOf(seconds: number): { amount: string; unit: Unit } {
  const unit = [...UNITS].reverse().find((u) => seconds % u.seconds === 0) ?? UNITS[0];
  return { amount: String(seconds / unit.seconds), unit: unit.id };
}

type Timing = Pick<OpInput<'schedules.preview'>, 'cron' | 'everySeconds' | 'timeZone'>;

/**
 * When a schedule fires, as the form holds it (a cron expression or an interval, and the zone), and
 * the timing the core takes: null while what is typed is not one yet.
 */
export function useWhen(schedule: Schedule | undefined) {
  const [kind, setKind] = useState<'cron' | 'interval'>(schedule?.timing.kind ?? 'interval');
  const [cron, setCron] = useState(schedule?.timing.kind === 'cron' ? schedule.timing.cron : '0 6 * * 1-5');
  const initialEvery = intervalOf(schedule?.timing.kind === 'interval' ? schedule.timing.everySeconds : 3600);
  const [amount, setAmount] = useState(initialEvery.amount);
  const [unit, setUnit] = useState<Unit>(initialEvery.unit);
  const [timeZone, setTimeZone] = useState(schedule?.timing.timeZone ?? LOCAL_ZONE);
  const everySeconds = Number(amount) * UNITS.find((u) => u.id === unit)!.seconds;
  const timing =
    kind === 'cron'
      ? cron.trim()
        ? { cron: cron.trim(), timeZone }
        : null
      : Number.isInteger(everySeconds) && everySeconds >= 60
        ? { everySeconds, timeZone }
        : null;
  return { kind, setKind, cron, setCron, amount, setAmount, unit, setUnit, timeZone, setTimeZone, everySeconds, timing };
}

type When = ReturnType<typeof useWhen>;

function Preview({ timing, blackouts }: { timing: Timing | null; blackouts: Blackout[] }) {
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
export function usePreviewError(timing: Timing | null, blackouts: Blackout[]) {
  const preview = useOp('schedules.preview', { ...(timing ?? { timeZone: 'UTC', everySeconds: 3600 }), blackouts, count: 1 });
  return timing ? (preview.error?.message ?? null) : null;
}

/** When the schedule fires: interval or calendar, the zone, and the next runs the core computes. */
export function WhenFields({
  when,
  blackouts,
  previewError,
  errors,
}: {
  when: When;
  blackouts: Blackout[];
  previewError: string | null;
  errors: Record<string, string>;
}) {
  const { kind, setKind, cron, setCron, amount, setAmount, unit, setUnit, timeZone, setTimeZone, timing } = when;
  const zones = useMemo(() => zoneList(timeZone), [timeZone]);
  return (
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
          control={(aria) => <input {...aria} className="mono" spellCheck={false} value={cron} onChange={(e) => setCron(e.target.value)} />}
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
  );
}
