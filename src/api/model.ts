/**
 * The api's pure face: the version, the contract's closed sets and limits, and the contract's types,
 * with no schema, no store and no engine behind them. The CLI's commands import this, so a command
 * answered by a running service loads neither zod nor the core (docs/service.md, "A fast CLI").
 */
export const VERSION = '0.1.0';
export { RUN_STATES, RUN_OUTCOMES, MAX_PREVIEW_TEXT, WEEKDAY_NAMES } from './contract/constants';
export { ROLES } from '../identity/model';
export { TOTP_CODE_REQUIRED, isTotpChallenge } from '../identity/model';
export { RULE_SET_IDS, EGRESS_PATHS, REDACT_ACTIONS } from '../redact/model';
export type { OpName, OpInput, OpOutput, SubName, SubEvent } from './contract';
export type { ApiErrorShape, ErrorCode, Result } from '../kernel/model';
