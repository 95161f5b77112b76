/**
 * Runs written into a real store the way the runner writes them (RunRecords: insert, logs in
 * batches, finish), for tests of what reads or removes run output without starting containers.
 */
import type { RunRecords } from '../../src/runner';
import type { RunFinish } from '../../src/runner/records';

/** A queued run of the sample disk check, created at `createdAt`. */
export function insertRun(records: RunRecords, id: string, createdAt: Date): void {
  records.insert({
    id,
    bundle: { name: 'samples/host-health', version: '1.0.0', digest: `sha256:${'a'.repeat(64)}` },
    imageId: `sha256:${'b'.repeat(64)}`,
    task: { id: 'check-disk-usage', title: 'Check disk usage', access: 'read-only' },
    startedBy: 'otto',
    reason: null,
    config: { values: {}, files: {}, secrets: {} },
    state: 'queued',
    approvalRequired: false,
    instanceId: 'i-test',
    createdAt: createdAt.toISOString(),
    timeoutSeconds: 60,
  });
}

/** Stores `texts` as the run's stdout lines, in batches of up to 1000 as the runner's LogWriter does. */
export function appendLog(records: RunRecords, id: string, at: Date, texts: readonly string[], firstSeq = 1): void {
  for (let i = 0; i < texts.length; i += 1000) {
    records.appendLogs(
      id,
      texts.slice(i, i + 1000).map((text, j) => ({ seq: firstSeq + i + j, time: at.toISOString(), stream: 'stdout' as const, text })),
    );
  }
}

/** Finishes the run at `endedAt` with one issue and one report block carrying `text`. */
export function finishRun(records: RunRecords, id: string, endedAt: Date, text: string, extra: Partial<RunFinish> = {}): void {
  const at = endedAt.toISOString();
  records.finish(id, {
    outcome: 'succeeded',
    endedAt: at,
    exitCode: 0,
    issues: [
      {
        severity: 3,
        title: `${text} disk at 85%`,
        expected: '< 80%',
        actual: '85%',
        reproduceHint: '',
        nextSteps: 'watch it',
        details: '',
        taskName: 'check-disk-usage',
        observedAt: at,
      },
    ],
    report: [{ obj: `${text} report`, fmt: 'p', taskName: 'check-disk-usage' }],
    ...extra,
  });
}

/** A finished run with `lines` log lines and an issue and report, all carrying `text`. */
export function seedFinishedRun(records: RunRecords, id: string, endedAt: Date, text: string, lines = 1): void {
  insertRun(records, id, endedAt);
  appendLog(
    records,
    id,
    endedAt,
    Array.from({ length: lines }, (_, i) => `${text} line ${i}`),
  );
  finishRun(records, id, endedAt, text);
}
