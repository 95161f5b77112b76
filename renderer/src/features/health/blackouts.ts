import type { OpInput } from '../../api/contract';

export type Blackout = NonNullable<OpInput<'schedules.add'>['blackouts']>[number];
type Weekday = Extract<Blackout, { kind: 'weekly' }>['days'][number];

export const DAYS: ReadonlyArray<{ id: Weekday; label: string }> = [
  { id: 'mon', label: 'Mon' },
  { id: 'tue', label: 'Tue' },
  { id: 'wed', label: 'Wed' },
  { id: 'thu', label: 'Thu' },
  { id: 'fri', label: 'Fri' },
  { id: 'sat', label: 'Sat' },
  { id: 'sun', label: 'Sun' },
];

/** A blackout row as the form edits it: weekly days as a set; a range as local date-times of this workstation. */
export type BlackoutRow =
  | { kind: 'dates'; date: string }
  | { kind: 'range'; from: string; to: string }
  | { kind: 'weekly'; days: Weekday[]; start: string; end: string };

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

const pad = (n: number) => String(n).padStart(2, '0');
/** An instant as a datetime-local value in this workstation's time. */
function localInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function rowsOf(blackouts: readonly Blackout[]): BlackoutRow[] {
  return blackouts.flatMap((b): BlackoutRow[] =>
    b.kind === 'dates'
      ? b.dates.map((date) => ({ kind: 'dates', date }))
      : b.kind === 'range'
        ? [{ kind: 'range', from: localInput(b.from), to: localInput(b.to) }]
        : [{ kind: 'weekly', days: [...b.days], start: b.start, end: b.end }],
  );
}

/** The rows as the core takes them; a row not filled in yet is left out (and marked). */
export function blackoutsOf(rows: readonly BlackoutRow[]): Blackout[] {
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

export function blackoutProblem(r: BlackoutRow): string | null {
  if (r.kind === 'dates') return r.date ? null : 'Choose the day.';
  if (r.kind === 'range') {
    if (!r.from || !r.to) return 'Give the start and the end.';
    return new Date(r.to) > new Date(r.from) ? null : 'The end must come after the start.';
  }
  if (!HHMM.test(r.start) || !HHMM.test(r.end)) return 'Give the start and end as HH:MM, 24-hour (22:00, 04:00).';
  return r.start === r.end ? 'The end must differ from the start (an end before the start crosses midnight).' : null;
}
