/**
 * Which runner (if any) a core's process holds. The runner starts on the first `runs.start` in a
 * process: it takes the lease (LOCKED when another process holds it), recovers, and stays for the
 * life of the process (desktop) or of the command (`run`, which stops it when its run is settled).
 * The engine is the core's one engine (given by the API layer); the bundle port is the catalog's,
 * unless a test injects another.
 */
import type { Core } from '../api/core';
import { catalogBundlePort } from '../bundles/catalog';
import type { ContainerEngine } from '../engine/types';
import { layoutOf } from '../store/files';
import type { BundlePort } from './bundles';
import { Lease, type LeaseOptions } from './lease';
import { Runner } from './runner';

export interface RunnerServices {
  bundles?: BundlePort;
  lease?: LeaseOptions;
  pollMs?: number;
}

const services = new WeakMap<Core, RunnerServices>();
const runners = new WeakMap<Core, Runner>();
const starting = new WeakMap<Core, Promise<Runner>>();

/** Tests (and a composition root that wants other timings) adjust the runner of a core here. */
export function setRunnerServices(core: Core, s: RunnerServices): void {
  services.set(core, { ...services.get(core), ...s });
}

export function bundlesFor(core: Core): BundlePort {
  return services.get(core)?.bundles ?? catalogBundlePort;
}

export function runnerOf(core: Core): Runner | undefined {
  return runners.get(core);
}

/** This process's runner, started (lease, recovery) on first use. */
export async function ensureRunner(core: Core, engine: ContainerEngine): Promise<Runner> {
  const existing = runners.get(core);
  if (existing) return existing;
  const pending = starting.get(core);
  if (pending) return await pending;
  const s = services.get(core) ?? {};
  const promise = (async () => {
    const lease = Lease.acquire(layoutOf(core.home).lease, s.lease);
    try {
      const runner = await Runner.start({ core, engine, bundles: bundlesFor(core), lease, ...(s.pollMs ? { pollMs: s.pollMs } : {}) });
      runners.set(core, runner);
      return runner;
    } catch (error) {
      lease.release();
      throw error;
    }
  })();
  starting.set(core, promise);
  try {
    return await promise;
  } finally {
    starting.delete(core);
  }
}

/** Stops this process's runner (interrupting what it still holds) and releases the lease. */
export async function stopRunner(core: Core, why = 'the process is ending', outcome: 'interrupted' | 'cancelled' = 'interrupted'): Promise<void> {
  const runner = runners.get(core);
  if (!runner) return;
  runners.delete(core);
  await runner.close(why, outcome);
}
