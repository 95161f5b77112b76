/** Runs: the history, one run live, the run form, issues across runs, AI summaries of a run. */
export { RunsScreen, RunsTable } from './Runs';
export { IssuesScreen } from './Issues';
export { ReadingTask, RunForm, type Task } from './RunForm';
export { ReasonField, Row } from './fields';
export { TaskValueFields, useTaskValues } from './TaskValueFields';
export { validateRun, type Declaration } from './task-values';
export { RunStateBadge, severityOf, TagChips } from './run-parts';
