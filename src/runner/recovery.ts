/**
 * Recovery at start-up, by the new lease holder (ARCHITECTURE.md, "Runner"): every container of this
 * store is killed and removed, every secret folder and output folder removed, and every run that was
 * not finished is settled as `interrupted`, each with its audit event. Nothing of a crashed process
 * survives its successor's start.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreContext, Publisher } from '../kernel';
import type { ContainerEngine } from '../engine';
import { secretRoot, sweepSecretFolders } from '../vault';
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
  workDir: string;
  bus: Publisher<RunTopics>;
  now: () => Date;
}): Promise<RecoveryReport> {
  const { ctx, engine } = env;
  const workstationId = ctx.workstationId;
  const containers = await engine.listContainers({ label: `${LABELS.workstation}=${workstationId}` });
  for (const c of containers) {
    await engine.remove(c.id, { force: true }).catch(() => undefined);
  }

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

  const records = new RunRecords(ctx.db);
  const settled: string[] = [];
  for (const run of records.unsettled()) {
    const endedAt = env.now().toISOString();
    const message =
      run.state === 'running'
        ? 'The process that ran this task stopped before it finished (crash or kill); the container was removed when the runner started again.'
        : `The process holding this run stopped while it was ${run.state === 'queued' ? 'queued' : 'waiting for approval'}; it never started.`;
    ctx.transact(() => records.finish(run.id, { outcome: 'interrupted', endedAt, error: message }), {
      actor: 'system',
      action: 'runs.end',
      target: `run:${run.id}`,
      outcome: 'success',
      details: { outcome: 'interrupted', recovered: true, previousState: run.state, instance: env.instanceId },
    });
    env.bus.emit('runState', { runId: run.id, state: 'finished', outcome: 'interrupted' });
    settled.push(run.id);
  }
  return { containers: containers.length, secretFolders, runs: settled };
}
