/**
 * Bench: a year of 5-minute SLI points (105,120) drawn by uPlot, the Health screen's chart library,
 * in headless Chromium (Debian's), with the objective line. Independent of the app's run view: the
 * page holds only uPlot (bundled from node_modules, no network) and the data. Prints the time from
 * handing the data to uPlot to the first painted frame, the best of three, against the 1 s target.
 *   node --import tsx bench/health-chart.ts [--points 105120]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { launchBrowser } from '../test/e2e/browser';

const arg = process.argv.indexOf('--points');
const POINTS = arg > 0 ? Number(process.argv[arg + 1]) : 365 * 24 * 12;
const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const script = readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8');
const css = readFileSync(join(dist, 'uPlot.min.css'), 'utf8');

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.setContent(
    `<!doctype html><html><head><style>${css}</style></head><body><div id="c"></div><script>${script}</script></body></html>`,
  );
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ms = await page.evaluate(async (n) => {
      const t = new Float64Array(n);
      const v = new Float64Array(n);
      const start = Date.parse('2025-12-01T00:00:00Z') / 1000;
      for (let k = 0; k < n; k++) {
        t[k] = start + k * 300;
        v[k] = 0.9 + 0.1 * Math.sin(k / 500) - (k % 997 === 0 ? 0.5 : 0);
      }
      const objective = new Float64Array(n).fill(0.9);
      const el = document.getElementById('c')!;
      el.innerHTML = '';
      const began = performance.now();
      const U = (window as unknown as { uPlot: new (o: unknown, d: unknown, el: HTMLElement) => unknown }).uPlot;
      new U(
        {
          width: 1800,
          height: 400,
          series: [{}, { label: 'disk_health', stroke: '#2563eb' }, { label: 'objective', stroke: '#dc2626', dash: [6, 4] }],
        },
        [t, v, objective],
        el,
      );
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - began;
    }, POINTS);
    times.push(ms);
  }
  const best = Math.min(...times);
  process.stdout.write(
    `health chart: ${POINTS.toLocaleString('en')} points drawn in ${best.toFixed(0)} ms (best of 3: ${times.map((x) => x.toFixed(0)).join(', ')} ms); target 1000 ms; ratio ${(best / 1000).toFixed(2)}\n`,
  );
  if (best > 1000) process.exitCode = 1;
} finally {
  await browser.close();
}
