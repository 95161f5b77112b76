/**
 * bench/ui: the renderer in Debian's Chromium (playwright-core), measured in the page.
 *  - the run view with a 1,000,000-line log: first paint (first lines on screen after opening the
 *    run), the whole log paged in (10,000 lines a read), then scrolling (time from a jump to the
 *    frame that shows the new lines); target: first paint < 300 ms (issue 19), and it scrolls;
 *  - the catalog filtering 5,000 tasks: one keystroke to the updated list on screen; target < 50 ms.
 * Baselines in the same run: the same view on an empty log, scrolling a 1,000-line log, the same
 * keystroke on 0 tasks. Times include waiting for the frame, so ~16-50 ms is the frame rate.
 *
 * Only the renderer is measured: the page's `window.api` is a stand-in generated from the contract
 * (test/e2e/standin.ts: every operation answers its schema's sample), with the run, its log (made
 * in the page on demand) and the tasks set here (the core's own speed is bench/run.ts and bench/store.ts).
 * A stage that does not finish within STAGE_MS fails the bench with what the page asked for,
 * instead of hanging (test/e2e/bench-ui.test.ts runs it with tiny sizes). The renderer is served
 * by main's own app:// handler with its CSP, as in the app.
 *
 *   node --import tsx bench/ui.ts [--lines 1000000] [--tasks 5000]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { appProtocolHandler, APP_ORIGIN } from '../main/security';
import { ensureRendererBuilt, RENDERER_DIST } from '../test/e2e/build-renderer';
import { CHROMIUM } from '../test/e2e/browser';
import { signedInAnswers, standinScript } from '../test/e2e/standin';
import { sampleAnswers } from '../test/helpers/contract-samples';
import type { OpOutput } from '../src/api/contract';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const LINES = arg('lines', 1_000_000);
const TASKS = arg('tasks', 5000);
const RUN_ID = 'r-bench00001';

interface BenchData {
  lines: number;
  runId: string;
}

/** The run the bench opens: finished, its log `lines` long. */
function benchRun(lines: number): OpOutput<'runs.show'> {
  const now = new Date().toISOString();
  return {
    ...sampleAnswers()['runs.show'],
    id: RUN_ID,
    bundle: { name: 'bench', version: '1.0.0', digest: 'sha256:' + '0'.repeat(64) },
    task: { id: 'print', title: 'Print a lot', access: 'read-only' },
    startedBy: 'bench',
    state: 'finished',
    outcome: 'succeeded',
    createdAt: now,
    startedAt: now,
    endedAt: now,
    exitCode: 0,
    imageId: 'sha256:' + '1'.repeat(64),
    timeoutSeconds: 600,
    log: { totalBytes: lines * 100, keptBytes: lines * 100, truncated: false, complete: true },
  };
}

/** `tasks` catalog entries over 50 bundles, with tags and policy decisions to filter on. */
function benchTasks(tasks: number): OpOutput<'tasks.list'>['tasks'] {
  const tags = ['access:read-only', 'access:read-write', 'data:logs', 'data:metrics', 'data:state', 'k8s:pods', 'db:postgres', 'net:dns'];
  return Array.from({ length: tasks }, (_, i) => ({
    bundle: `bundle-${i % 50}`,
    version: `1.${i % 7}.0`,
    digest: 'sha256:' + String(i % 50).padStart(64, '0'),
    id: `task-${i}`,
    title: `Check thing number ${i}${i % 3 ? ' on hosts' : ' in the database'}`,
    description: '',
    tags: [tags[i % 2]!, tags[2 + (i % 6)]!],
    access: i % 2 ? 'read-write' : 'read-only',
    enabled: i % 2 === 0,
    reason: i % 2 ? 'denied by the tag policy' : 'allowed',
  }));
}

/**
 * The stand-in `window.api` (test/e2e/standin.ts): every operation of the contract answers its
 * generated sample; the run, its log (made in the page, a page at a time) and the catalog are the bench's.
 */
function benchApi(lines: number, tasks: number): string {
  return standinScript<BenchData>({
    answers: { ...signedInAnswers('bench'), 'runs.show': benchRun(lines), 'tasks.list': { tasks: benchTasks(tasks) } },
    data: { lines, runId: RUN_ID },
    computed: {
      'runs.logs': (input, data) => {
        const colours = ['\u241b[32mok\u241b[0m', '\u241b[33mwarn\u241b[0m', '\u241b[1;31mfail\u241b[0m', 'info'];
        const time = new Date().toISOString();
        const from = (input.afterSeq ?? 0) + 1;
        const to = Math.min(data.lines, from + (input.limit ?? 1000) - 1);
        const out: OpOutput<'runs.logs'>['lines'] = [];
        for (let seq = from; seq <= to; seq++) {
          out.push({
            runId: data.runId,
            seq,
            time,
            stream: seq % 17 === 0 ? 'stderr' : 'stdout',
            text: `${colours[seq % 4]} line ${seq} of the bench log: the quick brown fox jumps over the lazy dog <b>not bold</b>`,
          });
        }
        return { lines: out, finished: true, lastSeq: data.lines };
      },
      // The core's search, over the same made-up lines (the bench measures the page, so this is cheap on purpose).
      'runs.logSearch': (input, data) => {
        const needle = input.text.toLowerCase();
        const seqs: number[] = [];
        let total = 0;
        for (let seq = 1; seq <= data.lines; seq++) {
          if (!` line ${seq} of the bench log: the quick brown fox jumps over the lazy dog <b>not bold</b>`.includes(needle)) continue;
          total++;
          if (seqs.length < (input.limit ?? 10_000)) seqs.push(seq);
        }
        return { seqs, total };
      },
      'runs.logFirstError': (_input, data) => ({ seq: data.lines >= 17 ? 17 : null }),
    },
  });
}

async function serve(): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = appProtocolHandler(RENDERER_DIST);
  const server = createServer((req, res) => {
    void handler(new Request(`${APP_ORIGIN}${new URL(req.url ?? '/', 'http://x').pathname}`))
      .then(async (r) => {
        res.writeHead(r.status, Object.fromEntries(r.headers));
        res.end(Buffer.from(await r.arrayBuffer()));
      })
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    // Chromium's idle keep-alive connections would hold close() open.
    close: () => new Promise((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}

/** Opens the app on the dashboard with a stand-in api of this size. */
async function openPage(browser: Awaited<ReturnType<typeof chromium.launch>>, url: string, lines: number, tasks: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(benchApi(lines, tasks));
  const page = await context.newPage();
  await stage(page, 'loading the app', page.goto(url));
  await stage(page, 'opening the dashboard', page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: STAGE_MS }));
  return page;
}

const STAGE_MS = 120_000;

/** `work`, or an error naming the stage and the operations the page called, when it takes longer than STAGE_MS. */
async function stage<T>(page: Page, name: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // A page that does not answer either (a renderer stuck in a loop) must not hold the error up.
      void Promise.race([
        page
          .evaluate(() => [...new Set((window as unknown as { __standinCalls: string[] }).__standinCalls)].join(', '))
          .catch(() => '(page gone)'),
        new Promise<string>((r) => setTimeout(() => r('(the page did not answer within 5 s)'), 5000).unref()),
      ]).then((calls) => reject(new Error(`bench/ui: ${name} did not finish within ${STAGE_MS / 1000} s; the page called: ${calls}`)));
    }, STAGE_MS);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds from opening the run to the frame that shows its first lines with their text (or "No output"). */
async function runViewFirstPaint(page: Page): Promise<number> {
  return await page.evaluate(async () => {
    const t0 = performance.now();
    location.hash = '#/runs/r-bench00001';
    await new Promise<void>((resolve) => {
      const check = () =>
        document.querySelector('[role=log] .log-line:not(.log-line-loading), [role=log] .log-empty') &&
        document.querySelector('[role=log]')?.getAttribute('data-lines') !== null
          ? resolve()
          : requestAnimationFrame(check);
      check();
    });
    // The frame those lines are painted in.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  });
}

async function waitAllLines(page: Page, lines: number): Promise<number> {
  return await page.evaluate(async (n) => {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const check = () =>
        Number(document.querySelector('[role=log]')?.getAttribute('data-lines')) >= n ? resolve() : setTimeout(check, 20);
      check();
    });
    return performance.now() - t0;
  }, lines);
}

/** Jumps the log to many places; for each, ms until the frame after the new lines are in the DOM. */
async function scrollTimes(page: Page, jumps: number): Promise<number[]> {
  return await page.evaluate(async (n) => {
    const el = document.querySelector('[role=log]') as HTMLElement;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const target = i === n - 1 ? el.scrollHeight : (((i * 7919) % n) / n) * (el.scrollHeight - el.clientHeight);
      const before = el.getAttribute('data-first');
      const fromTop = el.scrollTop;
      const t0 = performance.now();
      el.scrollTop = target;
      // A jump to where the view already is (less than a line away) has nothing new to draw: one frame.
      if (Math.abs(el.scrollTop - fromTop) < 18) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        out.push(performance.now() - t0);
        continue;
      }
      await new Promise<void>((resolve) => {
        // The new lines are drawn with their text (not the placeholders of a page still being read).
        const check = () =>
          (el.getAttribute('data-first') !== before && !el.querySelector('.log-line-loading')) || performance.now() - t0 > 2000
            ? resolve()
            : requestAnimationFrame(check);
        requestAnimationFrame(check);
      });
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      out.push(performance.now() - t0);
    }
    return out;
  }, jumps);
}

/** One keystroke in the task filter to the frame showing the new count, per query. */
async function filterTimes(page: Page, queries: string[]): Promise<number[]> {
  await page.evaluate(() => (location.hash = '#/catalog'));
  await page.getByLabel('Filter tasks', { exact: true }).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-matched]'));
  const out: number[] = [];
  for (const q of queries) {
    out.push(
      await page.evaluate(async (query) => {
        const input = document.getElementById('tasks-filter') as HTMLInputElement;
        const t0 = performance.now();
        // The prototype's setter, as typing does: React's own tracker would swallow input.value = ….
        // eslint-disable-next-line @typescript-eslint/unbound-method
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        setter.call(input, query);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise<void>((resolve) => {
          // The list has been rendered for this query; then the frame it is painted in (the task
          // after that frame's animation callbacks runs once its layout and paint are done).
          const check = () =>
            document.querySelector('[data-matched]')!.getAttribute('data-query') === query
              ? requestAnimationFrame(() => setTimeout(resolve, 0))
              : setTimeout(check, 0);
          check();
        });
        return performance.now() - t0;
      }, q),
    );
  }
  return out;
}

/** The page's JS heap after a full garbage collection, and its DOM node count (Chromium's own counters). */
async function memory(page: Page): Promise<{ heapMiB: number; nodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  return { heapMiB: usedSize / 1024 / 1024, nodes: metrics.find((m) => m.name === 'Nodes')?.value ?? 0 };
}

/** Searches the log for `query` and steps through `steps` matches (Enter in the search box), to the last step's frame. */
async function searchLog(page: Page, query: string, steps: number): Promise<string> {
  const box = page.getByRole('searchbox', { name: 'Search the log' });
  await box.fill(query);
  const count = page.getByRole('status', { name: 'Matches' });
  await page.waitForFunction(() => /matches|No matches/.test(document.querySelector('[aria-label=Matches]')?.textContent ?? ''));
  for (let i = 0; i < steps; i++) await box.press('Enter');
  return await count.innerText();
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

async function main() {
  await ensureRendererBuilt();
  const server = await serve();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    console.log(`bench/ui: Chromium ${browser.version()}, ${LINES.toLocaleString('en')} log lines, ${TASKS.toLocaleString('en')} tasks`);

    const empty = await openPage(browser, server.url, 0, 0);
    const emptyPaint = await stage(empty, 'runViewFirstPaint', runViewFirstPaint(empty));
    const emptyFilter = await stage(empty, 'filterTimes', filterTimes(empty, ['c', 'ch', 'check', 'data:logs', '']));
    await empty.context().close();
    // The same catalog in both, so the heaps differ only by the log.
    const small = await openPage(browser, server.url, 1000, TASKS);
    await stage(small, 'runViewFirstPaint', runViewFirstPaint(small));
    await stage(small, 'waitAllLines', waitAllLines(small, 1000));
    const smallScroll = await stage(small, 'scrollTimes', scrollTimes(small, 40));
    await stage(small, 'searchLog', searchLog(small, 'line 42', 20));
    const smallMemory = await stage(small, 'memory', memory(small));
    await small.context().close();

    const big = await openPage(browser, server.url, LINES, TASKS);
    const paint = await stage(big, 'runViewFirstPaint', runViewFirstPaint(big));
    const all = await stage(big, 'waitAllLines', waitAllLines(big, LINES));
    const lines = Number(await big.getByRole('log').getAttribute('data-lines'));
    const domRows = await big.locator('[role=log] .log-line').count();
    const loaded = await stage(big, 'memory', memory(big));
    const scroll = await stage(big, 'scrollTimes', scrollTimes(big, 40));
    const scrolled = await stage(big, 'memory', memory(big));
    const found = await stage(big, 'searchLog', searchLog(big, 'line 4242', 20));
    const searched = await stage(big, 'memory', memory(big));
    const queries = ['c', 'ch', 'check', 'check thing number 4', 'data:logs', 'access:read-write k8s', 'nothing-matches', ''];
    const filter = await stage(big, 'filterTimes', filterTimes(big, queries));
    await big.context().close();

    console.log('');
    console.log('run view (log of one run)');
    console.log(`  baseline, empty log:        first paint ${ms(emptyPaint)}`);
    console.log(
      `  ${LINES.toLocaleString('en')} lines:           first paint ${ms(paint)}  (target < 300 ms: ${paint < 300 ? 'met' : 'NOT met'})`,
    );
    console.log(`  all lines known:            ${ms(all)} more (${lines.toLocaleString('en')} lines, ${domRows} rows in the DOM)`);
    console.log(`  baseline, 1,000 lines:      scroll median ${ms(median(smallScroll))}, max ${ms(max(smallScroll))}`);
    console.log(`  scroll, 40 jumps:           median ${ms(median(scroll))}, max ${ms(max(scroll))} to the frame showing the new lines`);
    const mem = (m: { heapMiB: number; nodes: number }) => `JS heap ${m.heapMiB.toFixed(1)} MiB, ${m.nodes} DOM nodes`;
    console.log(`  memory, 1,000-line log:     ${mem(smallMemory)} (after 40 jumps and a search)`);
    console.log(`  memory, log opened:         ${mem(loaded)}`);
    console.log(`  memory, after 40 jumps:     ${mem(scrolled)}`);
    console.log(`  memory, after a search:     ${mem(searched)} ("line 4242": ${found}, 20 steps)`);
    const growth = searched.heapMiB - smallMemory.heapMiB;
    console.log(
      `  memory growth vs 1,000 lines: ${growth.toFixed(1)} MiB  (target: flat, under 16 MiB: ${growth < 16 ? 'met' : 'NOT met'})`,
    );
    console.log('catalog (filter tasks, one keystroke to the updated list on screen)');
    console.log(`  baseline, 0 tasks:          median ${ms(median(emptyFilter))}, max ${ms(max(emptyFilter))}`);
    console.log(`  per keystroke:              ${queries.map((q, i) => `"${q}" ${ms(filter[i]!)}`).join(', ')}`);
    console.log(
      `  ${TASKS.toLocaleString('en')} tasks:                median ${ms(median(filter))}, max ${ms(max(filter))}  (target < 50 ms: ${max(filter) < 50 ? 'met' : 'NOT met'})`,
    );
  } finally {
    // Bounded, so an error above is reported even if Chromium does not close.
    await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 30_000).unref())]);
    await server.close();
  }
}

await main();
