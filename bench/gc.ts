/**
 * Garbage collection on this thread while a bench's timed work runs (bench/import, bench/audit): the
 * pauses and their total, all collections or only the full (mark-compact) ones, and when `work`
 * finished (performance.now()).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

export async function gcDuring<T>(
  work: () => Promise<T>,
  which: 'all' | 'full' = 'all',
): Promise<{ result: T; pauses: number; ms: number; doneAt: number }> {
  let pauses = 0;
  let ms = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (which === 'full' && (entry as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      pauses++;
      ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await work();
    const doneAt = performance.now();
    // The last entries come a few ticks later (one setImmediate turn misses them): wait 20 ms, after
    // `doneAt`, so a caller that times the work with it does not count the wait.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { result, pauses, ms, doneAt };
  } finally {
    observer.disconnect();
  }
}
