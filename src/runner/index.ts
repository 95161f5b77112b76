/**
 * Runner: the run lifecycle (ARCHITECTURE.md, "Runner: hardened by default"): lease, queue,
 * hardening, vault mounts, log streaming, results, recovery. The API handlers use this face.
 */
export { Lease, describeHolder, readLease, type LeaseHolder, type LeaseOptions } from './lease';
export { Runner, type RunnerOptions } from './runner';
export { RunnerHost, type RunnerHostOptions } from './host';
export type { RunLogEvent, RunStateEvent, RunTopics } from './events';
export {
  RunRecords,
  type RunQuery,
  RUN_OUTCOMES,
  RUN_STATES,
  type NewRun,
  type RunRecord,
  type RunOutcome,
  type RunState,
} from './records';
export { issuesAcrossRuns, type IssuesFilter } from './issues';
export { attentionCounts, noticeFor, type AttentionCounts, type Attendee, type RunNotice } from './attention';
export {
  retentionLimits,
  planPurge,
  purgeRuns,
  parseBefore,
  compactAfterPurge,
  pinDeletionPragmas,
  type PurgePlan,
  type PurgeScope,
  type PurgedWithRuns,
} from './retention';
export { checkRun, openSecrets, openSshCredentials, prepareJob, startDetails, type StartRequest } from './submit';
export { Networks, checkNetworkName, chooseNetwork, sealNetworks, type NetworkEntry } from './networks';
export { runnerSettings, RUNNER_SETTINGS, RETENTION_SETTINGS, type RunnerSettings } from './settings';
export { displayLine, displayText } from './text';
export { searchLog, firstErrorLine } from './log-find';
export { LABELS, TMP_TMPFS_OPTIONS, ULIMITS, buildSandbox, taskUser, type SandboxRecord } from './hardening';
/** What the runner asks of the catalog, declared there. */
export type { BundlePort, RunnableBundle, Admission } from '../bundles';
export type { LogLine } from './log-capture';
export type { RunJob } from './execute';
export { KILL_GRACE_MS } from './execute';
export { Scheduler, scheduleActor, type SchedulerOptions, type TickResult } from './scheduler';
export { Schedules, resealSchedules, checkSchedulesSeal, type Schedule, type ScheduleEvent } from './schedules';
export {
  addSchedule,
  updateSchedule,
  setPaused,
  approveSchedule,
  removeSchedule,
  previewSchedule,
  type ScheduleRequest,
} from './schedule-edit';
export { WEEKDAYS, blackoutAt, nextOccurrence, jitterMs, checkTimeZone, type Blackout, type Timing, type Weekday } from './schedule-time';
export { Health, sloState, type Slo, type SloState, type Series } from './health';
