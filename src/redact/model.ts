/**
 * Redaction's pure face: the egress paths, actions and rule set names, as data. The contract
 * (src/api/contract) imports this, not index.ts, because the renderer and the Electron main process
 * bundle the contract without the core (and without Node, which the engine's detectors use).
 */

/** What a rule does with a match. */
export type RedactAction = 'drop' | 'mask' | 'pseudonymise';
export const REDACT_ACTIONS = ['drop', 'mask', 'pseudonymise'] as const satisfies readonly RedactAction[];

/** Where text leaves the workstation; settings say which rule set applies to each. */
export type EgressPath = 'runsExport' | 'auditExport' | 'llm';
export const EGRESS_PATHS = ['runsExport', 'auditExport', 'llm'] as const satisfies readonly EgressPath[];

/** The built-in rule sets (docs/redaction.md); settings choose one per egress path. */
export const RULE_SET_IDS = ['default', 'strict'] as const;
export type RuleSetId = (typeof RULE_SET_IDS)[number];
