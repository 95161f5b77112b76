import { useMemo, useState, type ReactNode } from 'react';
import { useApi } from '../../api/context';
import { useAction } from '../../api/use-action';
import type { OpInput, OpOutput } from '../../api/contract';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { formatBytes, plural } from '../../format';

export const RANGES = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
] as const;

/** A chart's time range: the last `days` days up to when it was chosen. */
export function useRange(initialDays = 30) {
  const [days, setDays] = useState<number>(initialDays);
  const range = useMemo(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - days * 86400_000).toISOString(), to: to.toISOString() };
  }, [days]);
  return { days, setDays, range };
}

type Chart = OpInput<'health.exportCsv'>['chart'];

/**
 * A chart's controls: the time range, what else it is filtered by, and Export CSV of exactly what it
 * shows (through the save dialog), with where the file went.
 */
export function ChartControls({
  id,
  days,
  onDays,
  chart,
  fileName,
  children,
}: {
  id: string;
  days: number;
  onDays: (days: number) => void;
  chart: Chart;
  fileName: string;
  children?: ReactNode;
}) {
  const api = useApi();
  const { error, busy, run } = useAction();
  const [saved, setSaved] = useState<OpOutput<'health.exportCsv'> | null>(null);

  async function exportCsv() {
    setSaved(null);
    await run(async () => {
      const outPath = await api.chooseSaveFile({
        title: 'Save the chart as CSV',
        defaultName: `${fileName}-${chart.to.slice(0, 10)}.csv`,
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      });
      if (!outPath) return;
      const done = await api.call('health.exportCsv', { chart, outPath });
      if (!done.ok) return done.error;
      setSaved(done.value);
    });
  }
  return (
    <>
      <div className={children ? 'filters filters-with-one' : 'filters filters-2'}>
        <div className="field">
          <label htmlFor={`${id}-range`}>Time range</label>
          <select id={`${id}-range`} value={days} onChange={(e) => onDays(Number(e.target.value))}>
            {RANGES.map((r) => (
              <option key={r.days} value={r.days}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        {children}
        <div className="filters-actions">
          <button type="button" className="btn" onClick={() => void exportCsv()} disabled={busy}>
            {busy ? 'Exporting…' : 'Export CSV…'}
          </button>
        </div>
      </div>
      <ErrorNotice error={error} />
      {saved && (
        <StatusNotice>
          Saved {plural(saved.rows, 'row')} ({formatBytes(saved.bytes)}) to <span className="mono break">{saved.path}</span>
        </StatusNotice>
      )}
    </>
  );
}
