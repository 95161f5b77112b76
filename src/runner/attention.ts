/**
 * What needs an operator's attention (issue 15 item 3): the counts the navigation shows, and which
 * run events become a desktop notification for whom. Decided here, in the core, so the renderer and
 * Electron main only show what they are given.
 */
import type { ReadonlyDb } from '../kernel';
import type { RunStateEvent } from './events';
import { issuesAcrossRuns } from './issues';
import type { RunOutcome, RunRecord } from './records';
import { displayLine } from './text';

/** Who is asking: their name, and whether their roles may approve another operator's run. */
export interface Attendee {
  name: string;
  mayApprove: boolean;
}

export interface AttentionCounts {
  /** Runs queued or running. */
  runsInProgress: number;
  /** Runs waiting for an approval this user may give (not their own runs). */
  approvalsWaiting: number;
  /** Critical issues still open: raised by each task's latest finished run. */
  criticalIssues: number;
}

export function attentionCounts(db: ReadonlyDb, who: Attendee): AttentionCounts {
  const count = (sql: string, ...params: string[]) => (db.prepare(sql).get(...params) as { n: number }).n;
  return {
    runsInProgress: count("SELECT count(*) AS n FROM runs WHERE state IN ('queued', 'running')"),
    approvalsWaiting: who.mayApprove
      ? count("SELECT count(*) AS n FROM runs WHERE state = 'awaiting-approval' AND lower(started_by) <> lower(?)", who.name)
      : 0,
    criticalIssues: issuesAcrossRuns(db, { latest: true, severity: 1, limit: 1 }).counts.critical,
  };
}

export interface RunNotice {
  kind: 'run-ended' | 'approval-waiting';
  runId: string;
  title: string;
  body: string;
}

const OUTCOME_WORDS: Record<RunOutcome, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'timed-out': 'timed out',
  cancelled: 'was cancelled',
  interrupted: 'was interrupted',
  error: 'could not run',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The notification a run event means for this user, or null: their own run ended, or another
 * operator's run waits for an approval they may give.
 */
export function noticeFor(event: RunStateEvent, run: RunRecord | null, who: Attendee): RunNotice | null {
  if (!run) return null;
  const mine = run.startedBy.toLowerCase() === who.name.toLowerCase();
  const task = displayLine(run.task.title);
  const bundle = `${displayLine(run.bundle.name)} ${displayLine(run.bundle.version)}`;
  if (event.state === 'finished' && mine) {
    const outcome = event.outcome ?? run.outcome ?? 'error';
    const critical = run.issues.filter((i) => i.severity === 1).length;
    const body = [bundle, critical > 0 ? `raised ${plural(critical, 'critical issue')}` : ''].filter(Boolean).join(' · ');
    return { kind: 'run-ended', runId: run.id, title: `${task} ${OUTCOME_WORDS[outcome]}`, body };
  }
  if (event.state === 'awaiting-approval' && !mine && who.mayApprove) {
    const reason = run.reason ? `: “${displayLine(run.reason)}”` : '';
    return {
      kind: 'approval-waiting',
      runId: run.id,
      title: 'A run waits for your approval',
      body: `${displayLine(run.startedBy)} wants to run ${task} (${bundle})${reason}`,
    };
  }
  return null;
}
