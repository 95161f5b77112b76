/**
 * Redaction's pure face: the egress paths, actions and rule set names, as data. The contract
 * (src/api/contract) imports this, not index.ts, because the renderer and the Electron main process
 * bundle the contract without the core (and without Node, which the engine's detectors use).
 */
export { EGRESS_PATHS, REDACT_ACTIONS, RULE_SET_IDS, type EgressPath, type RedactAction, type RuleSetId } from './types';
