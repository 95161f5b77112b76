/**
 * The scheduler (docs/schedules.md): in the process that holds the runner lease and is unlocked (a
 * signed-in desktop core, or the service once unsealed), it reads the sealed schedules every tick
 * and starts what is due as ordinary runs: the same checks, sandbox, audit and lease-epoch fencing
 * as `runs.start`, with the schedule and its owner as the actor. Each occurrence is handled once:
 * the run's record, the occurrence's note and the schedule's cursor are written in one fenced
 * transaction, so a process killed at any point neither loses nor repeats an occurrence.
 */
import { ApiError, type CoreContext } from '../kernel';
import type { Keyring } from '../store';
import { wipe } from './execute';
import { isFenced } from './fence';
import type { RunnerHost } from './host';
import { RunRecords } from './records';
import type { Runner } from './runner';
import { blackoutAt, duePlan, jitterMs, type DuePlan } from './schedule-time';
import { Schedules, type Schedule } from './schedules';
import { checkRun, openSecrets, openSshCredentials, prepareJob, refuseUnattended, startDetails } from './submit';
import { nodesForRun } from '../nodes';

export interface SchedulerOptions {
  ctx: CoreContext;
  host: RunnerHost;
  /** The keys of the unlocked core (a vault key is needed to check the seal and open secrets); null while locked. */
  keys: () => Pick<Keyring, 'vault'> | null;
  tickMs?: number;
}

export type TickResult =
  | { kind: 'locked' }
  | { kind: 'refused'; why: string }
  | { kind: 'idle' }
  | { kind: 'no-lease'; why: string }
  | { kind: 'handled'; started: string[]; skipped: number; failed: number };

const DEFAULT_TICK_MS = 1000;

export const scheduleActor = (s: Pick<Schedule, 'id' | 'owner'>) => `schedule:${s.id}/user:${s.owner}`;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<TickResult> | null = null;
  /** Why the last tick refused to act (a seal that does not verify), for status. */
  problem: string | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** Ticks every `tickMs` (default: the option, else 1 s) until stopped. */
  start(tickMs = this.options.tickMs ?? DEFAULT_TICK_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking?.catch(() => undefined);
  }

  /** One pass over the schedules (the timer calls it; tests call it with a fake clock). Never two at once. */
  async tick(): Promise<TickResult> {
    this.ticking ??= this.pass().finally(() => {
      this.ticking = null;
    });
    return await this.ticking;
  }

  private async pass(): Promise<TickResult> {
    const { ctx } = this.options;
    const keys = this.options.keys();
    if (!keys?.vault) return { kind: 'locked' };
    let schedules: Schedule[];
    try {
      schedules = new Schedules(ctx.db).verified(keys.vault);
      this.problem = null;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.problem = error.message;
      return { kind: 'refused', why: error.message };
    }
    const now = ctx.clock.now();
    const store = new Schedules(ctx.db);
    const due: Array<{ s: Schedule; plan: DuePlan }> = [];
    for (const s of schedules) {
      if (s.paused || (s.approvalRequired && !s.approvedBy)) continue;
      const cursor = new Date(store.state(s.id)?.cursor ?? s.updatedAt);
      const plan = duePlan(s, cursor, now);
      if (plan) due.push({ s, plan });
    }
    if (due.length === 0) return { kind: 'idle' };
    let runner: Runner;
    try {
      runner = await this.options.host.ensure();
    } catch (error) {
      // Another process holds the lease (a `run` from the CLI): its occurrences wait; the missed policy applies later.
      if (error instanceof ApiError) return { kind: 'no-lease', why: error.message };
      throw error;
    }
    const result = { kind: 'handled' as const, started: [] as string[], skipped: 0, failed: 0 };
    for (const { s, plan } of due) {
      try {
        this.handle(runner, s, plan, now, keys.vault, result);
      } catch (error) {
        if (isFenced(error)) return { kind: 'no-lease', why: (error as Error).message };
        throw error;
      }
    }
    return result;
  }

  private handle(
    runner: Runner,
    s: Schedule,
    plan: DuePlan,
    now: Date,
    vaultKey: Buffer,
    result: { started: string[]; skipped: number; failed: number },
  ): void {
    const { ctx } = this.options;
    const store = new Schedules(ctx.db);
    const at = now.toISOString();
    const cursor = plan.cursor.toISOString();
    // The occurrence that runs: the one due now, else (policy "once") the latest one missed.
    const fire = plan.current ?? (s.missed === 'once' ? (plan.missed.at(-1) ?? null) : null);
    const missed = plan.missed.filter((t) => t !== fire);
    const missedCount = missed.length + plan.missedBeyond;
    const noteMissed = () => {
      if (missedCount === 0) return;
      const first = missed[0]!.toISOString();
      const last = missed.at(-1)!.toISOString();
      const span =
        missedCount === 1 ? `the occurrence at ${first} was missed` : `${missedCount} occurrences from ${first} to ${last} were missed`;
      const cover = fire
        ? `; policy "${s.missed}": the run for ${fire.toISOString()} stands for them`
        : `; policy "${s.missed}": none is run`;
      store.note({
        scheduleId: s.id,
        occurrence: last,
        at,
        result: 'skipped',
        reason: `${span} (no unlocked runner held the lease)${cover}`,
      });
      result.skipped += missedCount;
    };
    const skip = (occurrence: Date, reason: string) =>
      runner.fenced(() => {
        noteMissed();
        store.note({ scheduleId: s.id, occurrence: occurrence.toISOString(), at, result: 'skipped', reason });
        store.advance(s.id, cursor, null);
        result.skipped++;
      });
    if (!fire) {
      runner.fenced(() => {
        noteMissed();
        store.advance(s.id, cursor, null);
      });
      return;
    }
    const fireAt = new Date(fire.getTime() + jitterMs(s.id, fire, s.jitterSeconds));
    const blackout = blackoutAt(s.blackouts, fireAt, s.timing.timeZone);
    if (blackout) return skip(fire, blackout);
    const lastRunId = store.state(s.id)?.lastRunId;
    const last = lastRunId ? new RunRecords(ctx.db).get(lastRunId) : null;
    if (last && last.state !== 'finished') return skip(fire, `overlap: the previous run ${last.id} is still ${last.state}`);
    this.launch(runner, s, fire, { at, cursor, vaultKey, noteMissed }, result);
  }

  private launch(
    runner: Runner,
    s: Schedule,
    occurrence: Date,
    w: { at: string; cursor: string; vaultKey: Buffer; noteMissed: () => void },
    result: { started: string[]; failed: number },
  ): void {
    const { ctx } = this.options;
    const store = new Schedules(ctx.db);
    const actor = scheduleActor(s);
    const request = { bundle: s.bundle, task: s.task, ...s.config, reason: s.reason ?? undefined };
    let secrets = new Map<string, Buffer>();
    let ssh: ReturnType<typeof openSshCredentials> = null;
    try {
      const checked = checkRun(ctx, runner.bundles, request);
      refuseUnattended(ctx, checked);
      if (checked.approvalRequired && !(s.approvalRequired && s.approvedBy)) {
        throw new ApiError(
          'POLICY_DENIED',
          `${checked.task.id} needs the two-person approval now (the bundle or the setting changed since the schedule was approved). Edit the schedule and have another operator approve it.`,
        );
      }
      // As runs.start: the nodes that fit, their credentials and the task's opened with the vault key
      // the scheduler was unsealed with; the SSH key pairs made now and signed as the run starts.
      const nodes = checked.placement ? nodesForRun(ctx.db, w.vaultKey, { ...checked.placement, access: checked.task.access }) : null;
      secrets = openSecrets(ctx, checked, w.vaultKey);
      ssh = openSshCredentials(ctx, checked, w.vaultKey);
      const { job, record } = prepareJob(ctx, checked, s.owner, secrets, runner.instanceId, nodes, ssh);
      record.state = 'queued';
      runner.fence.transact(
        () => {
          w.noteMissed();
          const records = new RunRecords(ctx.db);
          records.insert(record);
          records.markScheduled(record.id, s.id, s.approvalRequired ? { by: s.approvedBy!, at: s.approvedAt! } : null);
          store.note({
            scheduleId: s.id,
            occurrence: occurrence.toISOString(),
            at: w.at,
            result: 'started',
            reason: null,
            runId: record.id,
          });
          store.advance(s.id, w.cursor, { runId: record.id, at: w.at });
        },
        {
          actor,
          action: 'runs.start',
          target: `run:${record.id}`,
          outcome: 'success',
          details: {
            ...startDetails(checked),
            schedule: s.id,
            occurrence: occurrence.toISOString(),
            owner: s.owner,
            leaseEpoch: runner.fence.epoch,
          },
        },
      );
      runner.submit(job, false);
      result.started.push(record.id);
    } catch (error) {
      wipe(secrets);
      ssh?.destroy();
      if (isFenced(error) || !(error instanceof ApiError)) throw error;
      runner.fence.transact(
        () => {
          w.noteMissed();
          store.note({ scheduleId: s.id, occurrence: occurrence.toISOString(), at: w.at, result: 'failed', reason: error.message });
          store.advance(s.id, w.cursor, null);
        },
        {
          actor,
          action: 'runs.start',
          target: `schedule:${s.id}`,
          outcome: 'failure',
          details: { schedule: s.id, occurrence: occurrence.toISOString(), owner: s.owner, error: error.code, message: error.message },
        },
      );
      result.failed++;
    }
  }
}
