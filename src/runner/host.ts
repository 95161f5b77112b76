/**
 * The runner of one core, owned by the composition root. It starts on the first `runs.start` in a
 * process: it takes the lease (LOCKED when another process holds it), recovers, and stays until the
 * core closes (desktop, service) or the command that started it ends (`run`). `stop` interrupts what
 * it still holds, removes their containers and releases the lease.
 */
import type { CoreContext, Publisher } from '../kernel';
import type { ContainerEngine } from '../engine';
import { layoutOf } from '../store';
import type { BundlePort } from '../bundles';
import type { RunTopics } from './events';
import { Lease, type LeaseOptions } from './lease';
import type { RunRecord } from './records';
import { Runner } from './runner';
import { sweepIfLeaseFree } from './sweep';
import type { RecoveryReport } from './recovery';
import { workDirOf, type StopReason } from './execute';

export interface RunnerHostOptions {
  ctx: CoreContext;
  /** The core's engine as it is now (the admin's socket setting may change it; each run reads it as it starts). */
  engine: () => ContainerEngine;
  bundles: BundlePort;
  bus: Publisher<RunTopics>;
  lease?: LeaseOptions;
  /** How often the store is read for approvals and cancels from other processes. */
  pollMs?: number;
}

export class RunnerHost {
  private runner: Runner | undefined;
  private starting: Promise<Runner> | undefined;
  /** The lease this process took before it had a runner (the service, while sealed); kept across stops. */
  private reserved: Lease | undefined;

  constructor(private readonly options: RunnerHostOptions) {}

  get bundles(): BundlePort {
    return this.options.bundles;
  }

  /**
   * Called when this process opens the store: with the lease free and a crashed holder's leftovers
   * present, recover now (sweep.ts) instead of at the next `run`. Null when there was nothing to do.
   */
  async sweep(): Promise<RecoveryReport | null> {
    if (this.runner || this.starting) return null;
    const { ctx, bus } = this.options;
    return await sweepIfLeaseFree({
      ctx,
      engine: this.options.engine,
      bus,
      workDir: workDirOf(ctx.home),
      ...(this.options.lease ? { lease: this.options.lease } : {}),
    });
  }

  /**
   * Takes the lease now, before any runner exists (LOCKED when another process holds it), and keeps
   * holding it: the service does this at start, while still sealed, so a second service or a desktop
   * app on the same home is refused at once. The runner started later uses this lease; when that
   * runner stops (the service is locked), the lease is taken again at once.
   */
  reserve(): Lease {
    if (this.reserved?.held) return this.reserved;
    this.reserved = Lease.acquire(layoutOf(this.options.ctx.home).lease, this.options.lease);
    return this.reserved;
  }

  /** The reserved lease, while this process still holds it. */
  get reservation(): Lease | undefined {
    return this.reserved?.held ? this.reserved : undefined;
  }

  /** Gives the lease up for good (the service is stopping); the runner, if any, stops first. */
  async unreserve(why = 'the process is ending'): Promise<void> {
    const lease = this.reserved;
    this.reserved = undefined;
    await this.stop(why);
    lease?.release();
  }

  /** The runner this process holds, if it started one. */
  current(): Runner | undefined {
    return this.runner?.isClosed ? undefined : this.runner;
  }

  /** This process's runner, started (lease, recovery) on first use. */
  async ensure(): Promise<Runner> {
    if (this.runner && !this.runner.isClosed) return this.runner;
    // A runner fenced out by another holder has stopped; a new one must take the lease again.
    if (this.runner) await this.stop();
    this.starting ??= this.start();
    try {
      return await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async start(): Promise<Runner> {
    const { ctx, bus, pollMs } = this.options;
    const lease = this.reserved?.held ? this.reserved : Lease.acquire(layoutOf(ctx.home).lease, this.options.lease);
    try {
      const runner = await Runner.start({
        ctx,
        engine: this.options.engine,
        bundles: this.options.bundles,
        lease,
        bus,
        ...(pollMs ? { pollMs } : {}),
      });
      this.runner = runner;
      return runner;
    } catch (error) {
      // A reserved lease stays held (the service keeps it while the engine is away); a taken one goes.
      if (lease !== this.reserved) lease.release();
      throw error;
    }
  }

  /**
   * The run's record once this runner has settled it, or as it is when this runner does not hold it
   * (null with no runner started here): the caller then watches the store.
   */
  async waitFor(id: string): Promise<RunRecord | null> {
    return (await this.runner?.waitFor(id)) ?? null;
  }

  /** Stops the runner (interrupting what it still holds, removing their containers) and releases the lease. */
  async stop(why = 'the process is ending', outcome: StopReason['outcome'] = 'interrupted'): Promise<void> {
    const starting = this.starting;
    if (starting) await starting.catch(() => undefined);
    const runner = this.runner;
    if (!runner) return;
    this.runner = undefined;
    await runner.close(why, outcome);
    // The runner released the lease as it closed; a process that reserved it takes it straight back.
    if (this.reserved) {
      this.reserved = undefined;
      try {
        this.reserve();
      } catch {
        // Another process took it in that instant; `reservation` is then empty and status says so.
      }
    }
  }
}
