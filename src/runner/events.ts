/**
 * Live run data for subscriptions (`runs.log`, `runs.state`), one bus per core. Log lines are
 * published right after they are written to the store, so a subscriber that first reads the stored
 * lines and then listens sees every line once, in order.
 */
import { Bus } from '../kernel';
import type { Core } from '../api/core';
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

export type RunTopics = { log: RunLogEvent; state: RunStateEvent };

const buses = new WeakMap<Core, Bus<RunTopics>>();

export function runBus(core: Core): Bus<RunTopics> {
  let bus = buses.get(core);
  if (!bus) {
    bus = new Bus<RunTopics>();
    buses.set(core, bus);
  }
  return bus;
}
