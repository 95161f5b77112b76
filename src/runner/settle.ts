/** A run's end: the settled record and its `runs.end` audit event, in one fenced transaction. */
import type { ExecEnv, RunJob } from './execute';
import { isFenced } from './fence';
import type { LogSummary } from './log-capture';
import type { RunOutcome, RunRecords } from './records';
import type { TaskResults } from './results';

export interface RunEnd {
  outcome: RunOutcome;
  error: string | null;
  exitCode: number | null;
  results: TaskResults;
  summary: LogSummary;
  /** The run's container, when one was made (a local run records it here: execute.ts). */
  containerId: string | null;
}

/** Settles the record with its `runs.end` event, unless another holder did (fenced, or already finished). */
export function settleRun(env: ExecEnv, job: RunJob, records: RunRecords, r: RunEnd, stoppedBy: string | null): void {
  const endedAt = env.now().toISOString();
  let settled: boolean;
  try {
    settled = env.fence.transact(
      () =>
        records.finish(job.id, {
          containerId: r.containerId,
          outcome: r.outcome,
          endedAt,
          exitCode: r.exitCode,
          error: r.error,
          issues: r.results.issues,
          report: r.results.report,
          metrics: r.results.metrics,
          warnings: r.results.warnings,
          log: { totalBytes: r.summary.totalBytes, keptBytes: r.summary.keptBytes, truncated: r.summary.truncated },
        }),
      {
        actor: 'system',
        action: 'runs.end',
        target: `run:${job.id}`,
        outcome: r.outcome === 'error' ? 'failure' : 'success',
        details: {
          outcome: r.outcome,
          exitCode: r.exitCode,
          bundle: `${job.bundle.name}@${job.bundle.version}`,
          task: job.task.id,
          stoppedBy,
          leaseEpoch: env.fence.epoch,
        },
      },
    );
  } catch (error) {
    if (isFenced(error)) return;
    throw error;
  }
  if (settled) env.bus.emit('runState', { runId: job.id, state: 'finished', outcome: r.outcome });
}

/**
 * Problems found after the run settled (the container's removal, a node's volumes), added to the
 * settled record's warnings in a fenced write of their own; dropped when another holder took over.
 */
export function noteLateWarnings(env: ExecEnv, records: RunRecords, id: string, warnings: readonly string[]): void {
  try {
    env.fence.write(() => records.addWarnings(id, warnings));
  } catch (error) {
    if (isFenced(error)) return;
    throw error;
  }
}
