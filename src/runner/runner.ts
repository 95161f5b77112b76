/**
 * The runner of one store, in the process holding the lease: recovery at start, a queue with the
 * concurrency limit of runner.concurrency, runs waiting for approval, and a poll of the store for
 * what other processes ask (an approval from `runs approve`, a cancel from `runs cancel`), so the
 * CLI's one-process-per-command model and the desktop app work the same way.
 */
import { ensurePrivateDir } from '../store';
import type { CoreContext, Publisher } from '../kernel';
import type { ContainerEngine } from '../engine';
import type { BundlePort } from '../bundles';
import type { RunTopics } from './events';
import { RunExecution, wipe, workDirOf, type ExecEnv, type RunJob, type StopReason } from './execute';
import { Fence, isFenced } from './fence';
import type { Lease } from './lease';
import { recover, type RecoveryReport } from './recovery';
import { RunRecords, type NewRun, type RunOutcome, type RunRecord } from './records';
import { newRunId } from './ids';
import { NodeRecords, pickNode } from '../nodes';
import { runnerSettings } from './settings';

export interface RunnerOptions {
  ctx: CoreContext;
  /**
   * The core's engine as it is now. Read for each run as it starts, so a run after the admin changed
   * the engine socket goes to the engine the setting names (the one engine.status reports); a run
   * already started stays with the engine its container is on.
   */
  engine: () => ContainerEngine;
  bundles: BundlePort;
  lease: Lease;
  /** Where run state and log lines are published (the core's bus). */
  bus: Publisher<RunTopics>;
  now?: () => Date;
  /** How often the store is read for approvals and cancels from other processes. */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 500;

function copySecrets(secrets: ReadonlyMap<string, Buffer>): Map<string, Buffer> {
  return new Map([...secrets].map(([k, v]) => [k, Buffer.from(v)]));
}

export class Runner {
  readonly bundles: BundlePort;
  readonly lease: Lease;
  private readonly env: ExecEnv;
  private readonly awaiting = new Map<string, RunJob>();
  private readonly queue: RunJob[] = [];
  private readonly active = new Map<string, RunExecution>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private poller: NodeJS.Timeout | null = null;
  private closed = false;
  private closing: Promise<void> | undefined;
  recovery: RecoveryReport | null = null;

  private constructor(
    private readonly options: RunnerOptions,
    readonly fence: Fence,
    now: () => Date,
  ) {
    this.bundles = options.bundles;
    this.lease = options.lease;
    this.env = {
      ctx: options.ctx,
      engine: options.engine(),
      bundles: options.bundles,
      instanceId: options.lease.instanceId,
      fence,
      workDir: workDirOf(options.ctx.home),
      bus: options.bus,
      now,
    };
  }

  /** The engine the next run starts on. */
  get engine(): ContainerEngine {
    return this.options.engine();
  }

  get instanceId(): string {
    return this.env.instanceId;
  }

  /**
   * Takes a new lease epoch (fencing out any earlier holder that is only frozen), recovers what a
   * previous holder left, then starts polling. When the lease or the epoch says another process took
   * over, the runner stops without writing anything more.
   */
  static async start(options: RunnerOptions): Promise<Runner> {
    const now = options.now ?? (() => options.ctx.clock.now());
    const fence = Fence.take(options.ctx, options.lease.instanceId, now().toISOString());
    const runner = new Runner(options, fence, now);
    options.lease.onLost(() => fence.lose('the lease file names another holder'));
    fence.onLost((why) => void runner.close(why));
    ensurePrivateDir(runner.env.workDir);
    runner.recovery = await recover(runner.env);
    runner.poller = setInterval(() => runner.poll(), options.pollMs ?? DEFAULT_POLL_MS);
    runner.poller.unref();
    return runner;
  }

  /** Closed (released, or stopped because another process took the lease over): start a new one to run more. */
  get isClosed(): boolean {
    return this.closed || this.fence.lost;
  }

  /** Runs `fn` inside a transaction only while this runner's lease epoch is the store's (LOCKED otherwise). */
  fenced<T>(fn: () => T): T {
    return this.fence.write(fn);
  }

  private get records(): RunRecords {
    return new RunRecords(this.options.ctx.db);
  }

  /** A run already recorded (state awaiting-approval or queued) joins the runner. */
  submit(job: RunJob, awaitingApproval: boolean): void {
    if (this.isClosed) throw new Error('runner closed');
    if (awaitingApproval) this.awaiting.set(job.id, job);
    else this.queue.push(job);
    this.env.bus.emit('runState', { runId: job.id, state: awaitingApproval ? 'awaiting-approval' : 'queued', outcome: null });
    this.keepAlive();
    this.pump();
  }

  /** While it holds runs, the poller keeps the process alive (a run waiting for approval has nothing else to). */
  private keepAlive(): void {
    if (!this.poller) return;
    if (this.awaiting.size + this.queue.length + this.active.size > 0) this.poller.ref();
    else this.poller.unref();
  }

  /** Reads approvals and cancels written by any process, then starts what may start. */
  poll(): void {
    if (this.isClosed) return;
    const records = this.records;
    const ids = [...this.awaiting.keys(), ...this.queue.map((j) => j.id), ...this.active.keys()];
    let cancelled: Set<string>;
    try {
      cancelled = records.cancelRequested(ids);
    } catch {
      return; // The store is busy or closing; try at the next tick.
    }
    for (const id of cancelled) {
      const by = records.get(id)?.cancelRequestedBy ?? 'unknown';
      this.cancelLocal(id, { outcome: 'cancelled', by });
    }
    for (const [id, job] of this.awaiting) {
      if (records.get(id)?.state === 'queued') {
        this.awaiting.delete(id);
        this.queue.push(job);
        this.env.bus.emit('runState', { runId: id, state: 'queued', outcome: null });
      }
    }
    this.pump();
    this.keepAlive();
  }

  /**
   * Starts what may start, in queue order: a run here while the runner's concurrency allows; a run on
   * nodes when one of its fitting nodes has a free slot (its own max concurrency; nodes do not count
   * against this workstation's limit). A run that must wait does not hold up the ones behind it.
   */
  private pump(): void {
    if (this.isClosed) return;
    const limit = runnerSettings(this.options.ctx.db).concurrency;
    const active = [...this.active.values()];
    const local = (): number => active.filter((e) => !e.job.node).length;
    const running = (node: string): number => active.filter((e) => e.job.node?.entry.name === node).length;
    // Read only when a queued run may go to a node (it checks the nodes' seal).
    let unreachable: Set<string> | undefined;
    for (let i = 0; i < this.queue.length;) {
      const job = this.queue[i]!;
      if (job.nodes && job.nodes.length > 0) {
        unreachable ??= this.unreachableNodes();
        const known = unreachable;
        const pick = pickNode(job.nodes, running, (n) => known.has(n));
        if (!pick) {
          i++;
          continue;
        }
        try {
          this.fence.write(() => this.records.assignNode(job.id, pick.entry.name));
        } catch {
          return; // Fenced out or closing: this runner starts nothing more.
        }
        job.node = pick;
      } else if (local() >= limit) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      const exec = new RunExecution({ ...this.env, engine: this.currentEngine() }, job);
      this.active.set(job.id, exec);
      active.push(exec);
      const spare = job.retryElsewhere && job.secrets.size > 0 ? copySecrets(job.secrets) : null;
      void exec
        .run()
        .catch((): RunOutcome => 'error')
        .then((outcome) => this.retryElsewhere(job, exec, outcome, spare))
        .catch(() => undefined)
        .finally(() => {
          if (spare) wipe(spare);
          this.active.delete(job.id);
          this.release(job.id);
          this.pump();
        });
    }
  }

  private unreachableNodes(): Set<string> {
    try {
      return new Set(
        new NodeRecords(this.options.ctx.db)
          .list()
          .filter((n) => n.unreachable)
          .map((n) => n.name),
      );
    } catch {
      return new Set(); // The seal check failed: every run on a node is refused at its start anyway.
    }
  }

  /**
   * A read-only run whose operator asked for it, interrupted because its node stopped answering, runs
   * again as a new run on another fitting node (recorded with the run it retries, and audited).
   */
  private retryElsewhere(job: RunJob, exec: RunExecution, outcome: RunOutcome, spare: Map<string, Buffer> | null): void {
    const lost = exec.lostNode;
    if (outcome !== 'interrupted' || !lost || !job.retryElsewhere || this.isClosed || job.task.access !== 'read-only') return;
    const others = (job.nodes ?? []).filter((n) => n.entry.name !== lost);
    const original = this.records.get(job.id);
    if (others.length === 0 || !original) return;
    const id = newRunId();
    const retry: RunJob = { ...job, id, secrets: spare ? copySecrets(spare) : new Map(), nodes: others, node: null };
    const record: NewRun = {
      id,
      bundle: original.bundle,
      imageId: original.imageId,
      task: original.task,
      startedBy: original.startedBy,
      reason: original.reason,
      config: original.config,
      state: 'queued',
      approvalRequired: original.approvalRequired,
      instanceId: this.env.instanceId,
      createdAt: this.env.now().toISOString(),
      timeoutSeconds: original.timeoutSeconds,
      node: null,
      placement: original.placement,
      retryOf: job.id,
    };
    try {
      this.fence.transact(() => this.records.insert(record), {
        actor: 'system',
        action: 'runs.retry',
        target: `run:${id}`,
        outcome: 'success',
        details: { retryOf: job.id, stoppedAnswering: lost, nodes: others.map((n) => n.entry.name), startedBy: original.startedBy },
      });
    } catch {
      wipe(retry.secrets);
      return;
    }
    this.submit(retry, false);
  }

  /**
   * The engine for a run starting now. When none can be made from the setting, every call fails
   * with why, so the run settles as an error saying so (never on the engine the setting replaced).
   */
  private currentEngine(): ContainerEngine {
    try {
      return this.options.engine();
    } catch (error) {
      const fail = async () => await Promise.reject(error instanceof Error ? error : new Error(String(error)));
      return new Proxy({} as ContainerEngine, { get: () => fail });
    }
  }

  /** Stops a run this runner holds. Returns false when it holds no such run. */
  cancelLocal(id: string, reason: StopReason): boolean {
    const exec = this.active.get(id);
    if (exec) {
      exec.stop(reason);
      return true;
    }
    const job = this.awaiting.get(id) ?? this.queue.find((j) => j.id === id);
    if (!job) return false;
    this.awaiting.delete(id);
    const at = this.queue.indexOf(job);
    if (at >= 0) this.queue.splice(at, 1);
    wipe(job.secrets);
    job.ssh?.destroy();
    this.settleUnstarted(job, reason);
    this.release(id);
    return true;
  }

  private settleUnstarted(job: RunJob, reason: StopReason): void {
    const records = this.records;
    let settled: boolean;
    try {
      settled = this.writeUnstartedEnd(records, job, reason);
    } catch (error) {
      if (isFenced(error)) return; // Another process holds the lease: it settles the run.
      throw error;
    }
    if (settled) this.env.bus.emit('runState', { runId: job.id, state: 'finished', outcome: reason.outcome });
  }

  private writeUnstartedEnd(records: RunRecords, job: RunJob, reason: StopReason): boolean {
    return this.fence.transact(
      () => records.finish(job.id, { outcome: reason.outcome, endedAt: this.env.now().toISOString(), error: null }),
      {
        actor: 'system',
        action: 'runs.end',
        target: `run:${job.id}`,
        outcome: 'success',
        details: {
          outcome: reason.outcome,
          exitCode: null,
          bundle: `${job.bundle.name}@${job.bundle.version}`,
          task: job.task.id,
          stoppedBy: reason.by,
          started: false,
          leaseEpoch: this.fence.epoch,
        },
      },
    );
  }

  holds(id: string): boolean {
    return this.active.has(id) || this.awaiting.has(id) || this.queue.some((j) => j.id === id);
  }

  /**
   * Resolves with the settled record once the run is finished (whoever settles it) and, when this
   * runner ran it, its cleanup is done (the container is removed after the record settles).
   */
  async waitFor(id: string): Promise<RunRecord> {
    for (;;) {
      const record = this.records.get(id);
      if (!record || !this.holds(id) || (record.state === 'finished' && !this.active.has(id))) return record!;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(id) ?? [];
        list.push(resolve);
        this.waiters.set(id, list);
      });
    }
  }

  private release(id: string): void {
    const list = this.waiters.get(id);
    this.waiters.delete(id);
    for (const resolve of list ?? []) resolve();
  }

  /** Runs this runner holds, by state. */
  snapshot(): { awaiting: string[]; queued: string[]; active: string[] } {
    return { awaiting: [...this.awaiting.keys()], queued: this.queue.map((j) => j.id), active: [...this.active.keys()] };
  }

  /**
   * Ends the runner: every run it holds is stopped as `interrupted` (or as `reason.outcome`), their
   * containers killed and folders removed, then the lease is released. A runner fenced out by another
   * holder does the same on the host (kills and detaches its containers, removes its folders) but
   * writes nothing: its runs are the new holder's to settle.
   */
  async close(why: string, outcome: StopReason['outcome'] = 'interrupted'): Promise<void> {
    this.closing ??= this.shutDown(why, outcome);
    await this.closing;
  }

  private async shutDown(why: string, outcome: StopReason['outcome']): Promise<void> {
    for (const id of [...this.awaiting.keys(), ...this.queue.map((j) => j.id)]) this.cancelLocal(id, { outcome, by: why });
    const running = [...this.active.entries()];
    for (const [, exec] of running) exec.stop({ outcome, by: why });
    await Promise.all(running.map(async ([id]) => await this.waitFor(id).catch(() => undefined)));
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    this.lease.release();
  }
}
