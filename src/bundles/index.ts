/**
 * Bundles: the codebundle.yaml format, the task contract (label, paths, environment, results) and
 * the tag policy. Pure: reading images and storing the catalog live elsewhere.
 */
export {
  CODEBUNDLE_DEFAULT_PATH,
  CODEBUNDLE_DIR,
  CODEBUNDLE_LABEL,
  CODEBUNDLE_MAX_BYTES,
  CONTAINER_PATHS,
  REPORT_FORMATS,
  RESERVED_ENV_NAMES,
  RESERVED_ENV_PREFIXES,
  RESULT_FILES,
  SEVERITY,
  TASK_ENV,
  type ReportFormat,
} from './contract';
export {
  CODEBUNDLE_API_VERSION,
  codebundleSchema,
  configVariableSchema,
  secretSchema,
  taskSchema,
  type Codebundle,
  type CodebundleTask,
  type ConfigVariable,
  type SecretRef,
} from './schema';
export { CodebundleInvalidError, formatPath, parseCodebundleYaml, type CodebundleIssue, type ParseOptions } from './parse';
export { codebundlePathFromLabels } from './label';
export {
  allowTags,
  clearPolicy,
  DEFAULT_TAG_POLICY,
  denyTags,
  evaluateTask,
  matchesTag,
  tagPolicySchema,
  type PolicyDecision,
  type TagPolicy,
  type TaskPolicyInput,
} from './policy';
export { parseIssueLine, parseReportLine, type IssueLine, type ReportLine } from './results';
export { catalogBundlePort } from './catalog';
export type { ImportProgress } from './import';
export { BUNDLE_SETTINGS } from './settings';
