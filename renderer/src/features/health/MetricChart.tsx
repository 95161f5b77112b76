import { useEffect, useRef } from 'react';
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

/**
 * One metric's values over time (uPlot, bundled from node_modules: no network) with the objective as
 * a dashed line. Colours come from the theme's CSS variables and are read again when the theme changes.
 */
export function MetricChart({ label, t, v, objective }: { label: string; t: number[]; v: number[]; objective: number | null }) {
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
      const series: uPlot.Series[] = [
        { value: (_u, s) => (s == null ? '—' : formatTime(new Date(s * 1000).toISOString())) },
        { label, stroke: cssColor(el, '--accent'), width: 2, points: { show: t.length < 200 } },
      ];
      const data: uPlot.AlignedData = [t, v];
      if (objective !== null) {
        series.push({ label: 'Objective', stroke: cssColor(el, '--danger'), width: 1.5, dash: [6, 4], points: { show: false } });
        data.push(t.map(() => objective));
      }
      plot = new uPlot(
        {
          width: Math.max(300, el.clientWidth),
          height: 320,
          series,
          axes: [
            { ...axis, values: timeLabels },
            { ...axis, size: 60 },
          ],
          scales: { x: { time: true } },
        },
        data,
        el,
      );
    };
    draw();
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, el.clientWidth), height: 320 }));
    resize.observe(el);
    media.addEventListener('change', draw);
    return () => {
      media.removeEventListener('change', draw);
      resize.disconnect();
      plot?.destroy();
    };
  }, [label, t, v, objective, theme]);

  return <div ref={host} />;
}
