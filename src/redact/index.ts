/**
 * The redaction engine's face (docs/redaction.md): rules, masking and keyed pseudonymisation, pure
 * over text (it imports only the kernel). What an egress path builds from the open store (its rule
 * set, the site's patterns, the reverse map, vault values) is src/egress. The runner's exact log
 * masking is ./mask.
 */
export {
  EGRESS_PATHS,
  REDACT_ACTIONS,
  type EgressPath,
  type RedactAction,
  type Redactor,
  type RedactorOptions,
  type RedactResult,
  type Replacement,
} from './types';
export { createRedactor, pseudonymFor, ruleSetVersion, type RedactorDeps } from './engine';
export { RULE_SETS, RULE_SET_IDS, SECRET_RULES, IDENTIFIER_RULES, type RuleSetId } from './rules';
export { validateSitePattern, type SitePattern } from './patterns';
export { Masker, StreamMasker, secretForms, MASK } from './mask';
export { REDACT_SETTINGS } from './settings';
