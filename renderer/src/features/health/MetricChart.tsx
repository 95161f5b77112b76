import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDate, formatTime } from '../../format';
import { useTheme } from '../../theme-context';

const pad = (n: number) => String(n).padStart(2, '0');

/** A CSS colour variable as the browser resolves it now (light-dark() depends on the theme). */
function cssColor(host: HTMLElement, variable: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${variable})`;
  host.appendChild(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

/** Axis labels in 24-hour ISO: dates over a range of days, HH:MM within one day. */
function timeLabels(_u: uPlot, splits: number[]): string[] {
  const span = splits.length > 1 ? splits[splits.length - 1]! - splits[0]! : 0;
  return splits.map((s) => {
    const d = new Date(s * 1000);
    return span > 2 * 86400 ? formatDate(d.toISOString()) : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
}

/** One series of a time chart: its values, how it is drawn, and the theme variable of its colour. */
export interface ChartSeries {
  label: string;
  values: number[];
  /** A theme colour variable, such as --accent or --danger. */
  color: string;
  /** line (default), bars (stacked on the bars before them: pass the cumulative values in `values`, the counts in `shown`), or points alone. */
  draw?: 'line' | 'bars' | 'points' | 'dashed';
  /** What the legend says at a point (the count of a stacked bar), when it differs from `values`. */
  shown?: number[];
}

const bars = uPlot.paths.bars!({ size: [0.7, 40] });
const none = () => null;

/**
 * A chart over time (uPlot, bundled from node_modules: no network, no outside fonts). Colours come
 * from the theme's CSS variables and are read again when the theme changes. Stacked bars are drawn
 * tallest first, so each later series covers the lower part of the one before.
 */
export function TimeChart({ t, series, height = 320 }: { t: number[]; series: ChartSeries[]; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const theme = useTheme().value;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let plot: uPlot | null = null;
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const draw = () => {
      plot?.destroy();
      const text = cssColor(el, '--text');
      const grid = cssColor(el, '--border');
      const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const drawn: uPlot.Series[] = [{ value: (_u, s) => (s == null ? '—' : formatTime(new Date(s * 1000).toISOString())) }];
      for (const s of series) {
        const color = cssColor(el, s.color);
        const value = s.shown
          ? (_u: uPlot, _v: number | null, _si: number, i: number | null) => (i == null ? '—' : String(s.shown![i]))
          : undefined;
        const common = { label: s.label, stroke: color, ...(value ? { value } : {}) };
        if (s.draw === 'bars') drawn.push({ ...common, fill: color, width: 0, paths: bars, points: { show: false } });
        else if (s.draw === 'points') drawn.push({ ...common, width: 0, paths: none, points: { show: true, size: 6, fill: color } });
        else if (s.draw === 'dashed') drawn.push({ ...common, width: 1.5, dash: [6, 4], points: { show: false } });
        else drawn.push({ ...common, width: 2, points: { show: t.length < 200 } });
      }
      plot = new uPlot(
        {
          width: Math.max(300, el.clientWidth),
          height,
          series: drawn,
          axes: [
            { ...axis, values: timeLabels, space: 90 },
            { ...axis, size: 60 },
          ],
          scales: { x: { time: true } },
        },
        [t, ...series.map((s) => s.values)],
        el,
      );
    };
    draw();
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    media.addEventListener('change', draw);
    return () => {
      media.removeEventListener('change', draw);
      resize.disconnect();
      plot?.destroy();
    };
  }, [t, series, height, theme]);

  return <div ref={host} />;
}

/** One metric's values over time with the objective as a dashed line. */
export function MetricChart({ label, t, v, objective }: { label: string; t: number[]; v: number[]; objective: number | null }) {
  const series = useMemo(() => {
    const out: ChartSeries[] = [{ label, values: v, color: '--accent' }];
    if (objective !== null) out.push({ label: 'Objective', values: t.map(() => objective), color: '--danger', draw: 'dashed' });
    return out;
  }, [label, t, v, objective]);
  return <TimeChart t={t} series={series} />;
}
