/**
 * Recovery by the new lease holder (ARCHITECTURE.md, "Runner"): every secret folder and output folder
 * is removed, every container of this store killed and removed, and every run that was not finished
 * is settled as `interrupted`, each with its audit event, fenced by the new lease epoch. It runs when
 * a runner starts, and when any process opens the store and finds the lease free (sweep.ts), so
 * nothing of a crashed process outlives the next process that opens its store.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreContext, Publisher } from '../kernel';
import type { ContainerEngine } from '../engine';
import { secretRoot, sweepSecretFolders } from '../vault';
import type { Fence } from './fence';
import { LABELS } from './hardening';
import { RunRecords } from './records';
import type { RunTopics } from './events';

export interface RecoveryReport {
  containers: number;
  secretFolders: number;
  runs: string[];
}

export async function recover(env: {
  ctx: CoreContext;
  engine: ContainerEngine;
  instanceId: string;
  fence: Fence;
  workDir: string;
  bus: Publisher<RunTopics>;
  now: () => Date;
}): Promise<RecoveryReport> {
  const { ctx, engine } = env;
  const workstationId = ctx.workstationId;
  // Secrets first: they go even when the engine cannot be reached.
  let secretFolders = 0;
  try {
    secretFolders += sweepSecretFolders(secretRoot({ workstationId, home: ctx.home, allowDisk: false }));
  } catch {
    // No tmpfs here: only the disk folder (when an admin allowed it) can hold secrets.
  }
  const diskSecrets = join(ctx.home, 'secrets');
  if (existsSync(diskSecrets)) secretFolders += sweepSecretFolders({ dir: diskSecrets, tmpfs: false });
  if (existsSync(env.workDir))
    for (const name of readdirSync(env.workDir)) rmSync(join(env.workDir, name), { recursive: true, force: true });

  const containers = await engine.listContainers({ label: `${LABELS.workstation}=${workstationId}` });
  for (const c of containers) {
    await engine.remove(c.id, { force: true }).catch(() => undefined);
  }

  const records = new RunRecords(ctx.db);
  const settled: string[] = [];
  for (const run of records.unsettled()) {
    const endedAt = env.now().toISOString();
    const message =
      run.state === 'running'
        ? 'The process that ran this task stopped before it finished (crash or kill); the container was removed when the runner started again.'
        : `The process holding this run stopped while it was ${run.state === 'queued' ? 'queued' : 'waiting for approval'}; it never started.`;
    const settledHere = env.fence.transact(() => records.finish(run.id, { outcome: 'interrupted', endedAt, error: message }), {
      actor: 'system',
      action: 'runs.end',
      target: `run:${run.id}`,
      outcome: 'success',
      details: { outcome: 'interrupted', recovered: true, previousState: run.state, instance: env.instanceId, leaseEpoch: env.fence.epoch },
    });
    if (!settledHere) continue;
    env.bus.emit('runState', { runId: run.id, state: 'finished', outcome: 'interrupted' });
    settled.push(run.id);
  }
  return { containers: containers.length, secretFolders, runs: settled };
}
