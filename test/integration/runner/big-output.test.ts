/**
 * A task printing 200 MB: the log is capped with visible markers, every byte is counted, and the
 * runner's memory stays flat (RSS sampled through the run, in its own test process).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('rtb');
const BYTES = Number(process.env.RT_BYTES ?? 200 * 1024 * 1024);
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('rtbnet'))]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (!skip) await c.cleanup();
});

describe('200 MB of output', { skip }, () => {
  test('capped with markers, all bytes counted, memory flat', async () => {
    // Warm up (first run, first engine calls), then measure.
    await c.run({ bundle: FIXTURE, task: 'quick' });
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = Date.now();
    const { id } = await c.op1('runs.start', { bundle: FIXTURE, task: 'print', values: { BYTES: String(BYTES) } });
    await c.env.core.runner.current()!.waitFor(id);
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(run.log.totalBytes, BYTES, 'every byte the task wrote was counted');
    assert.equal(run.log.truncated, true);
    assert.ok(run.log.keptBytes <= 4 * 1024 * 1024, `kept ${run.log.keptBytes}`);
    const first = await c.op1('runs.logs', { id, limit: 2 });
    assert.match(first.lines[0]!.text, /^(0123456789 the quick brown fox jumps over the lazy dog 0123456789)$/);
    const all: string[] = [];
    let after = 0;
    for (;;) {
      const page = await c.op1('runs.logs', { id, afterSeq: after, limit: 10_000 });
      for (const l of page.lines) if (l.stream === 'system') all.push(l.text);
      if (page.lines.length < 10_000) break;
      after = page.lines[page.lines.length - 1]!.seq;
    }
    assert.equal(all.length, 2, all.join('\n'));
    assert.match(all[0]!, /log cap of 4194304 bytes reached/);
    assert.match(all[1]!, new RegExp(`log truncated: kept \\d+ of ${BYTES} bytes`));
    const growth = (peak - baseline) / (1024 * 1024);
    console.log(
      `${(BYTES / 1048576).toFixed(0)} MiB task: ${seconds.toFixed(1)} s, RSS baseline ${(baseline / 1048576).toFixed(0)} MiB, peak ${(peak / 1048576).toFixed(0)} MiB (+${growth.toFixed(1)} MiB)`,
    );
    // Measured here: +50 MiB for 50 MB, +54 MiB for 200 MB, +69 MiB for 800 MB of output: garbage
    // (socket read buffers) awaiting collection, not output kept. Growing with the output would fail this.
    assert.ok(growth < 96, `memory grew by ${growth.toFixed(1)} MiB while the task printed ${BYTES} bytes`);
  });
});
