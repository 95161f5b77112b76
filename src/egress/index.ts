/**
 * Egress: everything that leaves the workstation goes through here (ARCHITECTURE.md, "Layers"): the
 * redactors each path builds from the open store, the run report export and its preview, and the
 * rule sets an audit export may apply. The redaction engine itself (src/redact) stays pure over text.
 */
export {
  redactorFor,
  unmapPseudonyms,
  ruleSetFor,
  checkRuleSet,
  sensitiveNames,
  sensitiveValuesOf,
  auditExportRedactor,
  type StoreRedactorOptions,
} from './redactors';
export { listPatterns, addPattern, removePattern, sealPatterns, unmapTextCounted, type StoredPattern } from './redaction-store';
export { buildRunReport, previewRun, previewSection, previewValue, writeNewFileAtomic, type PreviewSection } from './run-report';
export { auditRuleSet, registerAuditRuleSet, type AuditRuleSetFactory } from './audit-rulesets';
