/**
 * Live run data the runner publishes on the core's bus (topics `runLog`, `runState`), heard through
 * the `runs.log` and `runs.state` subscriptions. Log lines are published right after they are
 * written to the store, so a subscriber that first reads the stored lines and then listens sees
 * every line once, in order.
 */
import type { LogLine } from './log-capture';
import type { RunOutcome, RunState } from './records';

export interface RunLogEvent {
  runId: string;
  line: LogLine;
}

export interface RunStateEvent {
  runId: string;
  state: RunState;
  outcome: RunOutcome | null;
}

export type RunTopics = { runLog: RunLogEvent; runState: RunStateEvent };
