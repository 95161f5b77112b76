/** Runs: the history, one run live, the run form, issues across runs, AI summaries of a run. */
export { RunsScreen, RunsTable } from './Runs';
export { IssuesScreen } from './Issues';
export {
  ReadingTask,
  RunForm,
  Row,
  TaskValueFields,
  startingSecrets,
  startingValues,
  validateRun,
  type FieldAria,
  type Task,
} from './RunForm';
export { RunStateBadge, severityOf, TagChips } from './run-parts';
