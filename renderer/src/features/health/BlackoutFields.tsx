import type { Dispatch, SetStateAction } from 'react';
import { Row } from '../runs';
import { DAYS, type BlackoutRow } from './blackouts';
import { LOCAL_ZONE } from './WhenFields';

/** A time of day typed as HH:MM, 24-hour (a time input would show the browser's 12-hour clock). */
const TIME_OF_DAY = { type: 'text', inputMode: 'numeric', placeholder: 'HH:MM', maxLength: 5, className: 'input-short mono' } as const;

/** A schedule's blackouts: whole days, periods and weekly windows, each with its problem under it. */
export function BlackoutFields({
  rows,
  setRows,
  timeZone,
  errors,
}: {
  rows: BlackoutRow[];
  setRows: Dispatch<SetStateAction<BlackoutRow[]>>;
  /** The schedule's zone, that days and weekly windows are read in. */
  timeZone: string;
  errors: Record<string, string>;
}) {
  const setRow = (i: number, row: BlackoutRow) => setRows((all) => all.map((r, j) => (j === i ? row : r)));
  return (
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
              control={(aria) => <input {...aria} type="date" value={r.date} onChange={(e) => setRow(i, { ...r, date: e.target.value })} />}
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
  );
}
