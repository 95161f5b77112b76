/**
 * After a crash, nothing waits for the next `run` (docs/runner.md, "One runner per store"): any process
 * that opens the store and finds the lease free, while a dead holder left something behind (a run not
 * settled, a secret folder, an output folder), takes the lease for a moment, recovers exactly as a new
 * holder does (secret folders, containers of this store, runs settled as interrupted, all fenced by a
 * new lease epoch) and releases it. A process that finds the lease held leaves everything to its holder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreContext, Publisher } from '../kernel';
import type { ContainerEngine } from '../engine';
import { layoutOf } from '../store';
import { listSecretFolders, secretRoot } from '../vault';
import type { RunTopics } from './events';
import { Fence } from './fence';
import { Lease, type LeaseOptions } from './lease';
import { RunRecords } from './records';
import { recover, type RecoveryReport } from './recovery';

export interface SweepEnv {
  ctx: CoreContext;
  engine: () => ContainerEngine;
  bus: Publisher<RunTopics>;
  lease?: LeaseOptions;
  workDir: string;
}

function entries(dir: string): number {
  try {
    return existsSync(dir) ? readdirSync(dir).length : 0;
  } catch {
    return 0;
  }
}

/** Whether a dead holder may have left something: a run not settled, a secret folder, an output folder. */
function leftovers(env: SweepEnv): boolean {
  const { ctx } = env;
  if (new RunRecords(ctx.db).unsettled().length > 0) return true;
  if (entries(env.workDir) > 0 || entries(join(ctx.home, 'secrets')) > 0) return true;
  try {
    return listSecretFolders(secretRoot({ workstationId: ctx.workstationId, home: ctx.home, allowDisk: false })).length > 0;
  } catch {
    return false; // No tmpfs: secrets could only be on disk, counted above.
  }
}

/** Recovers now when the lease is free and something was left; null when there was nothing to do or someone holds the lease. */
export async function sweepIfLeaseFree(env: SweepEnv): Promise<RecoveryReport | null> {
  const { ctx } = env;
  const path = layoutOf(ctx.home).lease;
  if (Lease.holder(path, env.lease) !== null || !leftovers(env)) return null;
  let lease: Lease;
  try {
    lease = Lease.acquire(path, env.lease);
  } catch {
    return null; // Another process took it meanwhile: its recovery does the work.
  }
  try {
    const now = () => ctx.clock.now();
    const fence = Fence.take(ctx, lease.instanceId, now().toISOString());
    return await recover({ ctx, engine: env.engine(), instanceId: lease.instanceId, fence, workDir: env.workDir, bus: env.bus, now });
  } finally {
    lease.release();
  }
}
