/**
 * Fencing of run writes by the lease epoch (ARCHITECTURE.md, "Process model"). The lease file says
 * who holds the lease, but a holder frozen past its timeout (SIGSTOP, a suspended VM, a debugger)
 * does not know it lost it until it runs again, and by then it may be half-way through a write. So
 * the store keeps an epoch (table runner_lease): every process that takes the lease increments it in
 * a transaction of its own, and every run write of a runner checks, inside the same transaction,
 * that the epoch is still the one it took. A stale holder's write is refused (LOCKED), nothing of it
 * is stored, and the runner stops: its containers are killed and detached, its runs left to the
 * holder that settled them.
 */
import { ApiError, preparedOnce, type AuditRecord, type CoreContext } from '../kernel';

export class Fence {
  private lostWhy: string | null = null;
  private readonly listeners = new Set<(why: string) => void>();

  private constructor(
    private readonly ctx: CoreContext,
    readonly epoch: number,
  ) {}

  /** A new epoch for the process that just took the lease file (before it recovers or runs anything). */
  static take(ctx: CoreContext, instanceId: string, at: string): Fence {
    const db = ctx.db;
    const epoch = db
      .transaction(() => {
        db.prepare('UPDATE runner_lease SET epoch = epoch + 1, instance_id = ?, taken_at = ? WHERE id = 1').run(instanceId, at);
        return currentEpoch(ctx);
      })
      .immediate();
    return new Fence(ctx, epoch);
  }

  get lost(): boolean {
    return this.lostWhy !== null;
  }

  /** Called once, when the lease or the epoch says another process took over. */
  onLost(listener: (why: string) => void): void {
    this.listeners.add(listener);
  }

  /** Marks the fence lost (the heartbeat found another holder): nothing is written from now on. */
  lose(why: string): void {
    if (this.lostWhy !== null) return;
    this.lostWhy = why;
    // Listeners stop the runner; never inside the transaction that found out.
    setImmediate(() => {
      for (const l of this.listeners) l(why);
    });
  }

  /**
   * Runs `fn` in a transaction that first checks the store's epoch is this one; otherwise nothing is
   * written and LOCKED is thrown. Inside another transaction it becomes a savepoint of it.
   */
  write<T>(fn: () => T): T {
    this.throwIfLost();
    return this.ctx.db
      .transaction(() => {
        const current = currentEpoch(this.ctx);
        if (current !== this.epoch) {
          this.lose(`another process took the runner lease over (lease epoch ${current}; this runner's was ${this.epoch})`);
          this.throwIfLost();
        }
        return fn();
      })
      .immediate();
  }

  /** A fenced change and its audit event, in one transaction. `fn` returning false writes no event. */
  transact(fn: () => boolean | void, event: AuditRecord): boolean {
    return this.write(() => {
      if (fn() === false) return false;
      this.ctx.record(event);
      return true;
    });
  }

  private throwIfLost(): void {
    if (this.lostWhy === null) return;
    throw new ApiError(
      'LOCKED',
      `This process no longer holds the runner lease (${this.lostWhy}); it writes nothing more about runs. The holder settles them.`,
    );
  }
}

function currentEpoch(ctx: CoreContext): number {
  // Every run write reads it: prepared once per connection.
  const row = preparedOnce(ctx.db, 'SELECT epoch FROM runner_lease WHERE id = 1').get() as { epoch: number } | undefined;
  if (!row) throw new Error('runner_lease has no row (migration 0009 missing)');
  return row.epoch;
}

/** Whether an error is a fenced write's refusal (the runner then stops quietly: it is not its run any more). */
export function isFenced(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'LOCKED';
}
