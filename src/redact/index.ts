/**
 * The redaction engine's face (docs/redaction.md). `createRedactor` is pure; `redactorFor` builds
 * the Redactor of an egress path from the open store; `unmapPseudonyms` maps tokens back locally.
 * The runner's exact log masking stays in ./mask.
 */
export type { EgressPath, RedactAction, Redactor, RedactorOptions, RedactResult, Replacement } from './types';
export { createRedactor, pseudonymFor, ruleSetVersion, type RedactorDeps } from './engine';
export { redactorFor, unmapPseudonyms, ruleSetFor, checkRuleSet, sensitiveValuesOf, vaultValues, type StoreRedactorOptions } from './core';
export { RULE_SETS, RULE_SET_IDS, SECRET_RULES, IDENTIFIER_RULES, type RuleSetId } from './rules';
export { validateSitePattern, type SitePattern } from './patterns';
export { listPatterns, addPattern, removePattern, type StoredPattern } from './store';
export { Masker, StreamMasker, secretForms, MASK } from './mask';
