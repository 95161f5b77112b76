/**
 * Bundles: the codebundle.yaml format, the task contract (label, paths, environment, results), the
 * tag policy, and the catalog in the store (bundles, trust roots, revocations, policy) with the
 * import pipeline that fills it from a mirror (ARCHITECTURE.md, "CodeBundles and the offline mirror").
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
export { parseIssueLine, parseMetricLine, parseReportLine, type IssueLine, type MetricLine, type ReportLine } from './results';
export { BUNDLE_SETTINGS } from './settings';
export {
  bundleByDigest,
  bundleByNameVersion,
  bundleView,
  catalogBundlePort,
  findBundle,
  insertBundle,
  listBundleRecords,
  listTasks,
  pruneCandidates,
  readSignaturesOptional,
  revocationOf,
  setImageRemoved,
  statusContext,
  taskViews,
  previewPolicy,
  type PolicyFlip,
  type Admission,
  type BundlePort,
  type BundleRecord,
  type RunnableBundle,
} from './catalog';
export { readPolicy, writePolicy, sealPolicy } from './policy-store';
export { activeTrustedKeys, addTrustKey, findTrustKey, listTrustKeys, removeTrustKey, sealTrustKeys } from './trust-roots';
export { revocationFor, revokeDigest, sealRevocations } from './revocation';
export { BundleImporter, type ImportCatalog, type ImportProgress, type ImportResult, type ImportSummary } from './import';
export { importWorkerScript } from './import-worker';
export { createStaging, removeStaging, sweepStaleStaging } from './import-staging';
export { signatureSourceFor, type MirrorSignatureSourceOptions } from './mirror-signatures';
