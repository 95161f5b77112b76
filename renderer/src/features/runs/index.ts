/** Runs: the history, one run live, the run form, issues across runs, AI summaries of a run. */
export { RunsScreen, RunsTable } from './Runs';
export { IssuesScreen } from './Issues';
export { RunForm, type Task } from './RunForm';
export { RunStateBadge, severityOf, TagChips } from './run-parts';
