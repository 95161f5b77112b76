/**
 * The renderer's one door into src/: the contract's types, and the contract itself as data (zod
 * schemas, pure, no Node) so forms are checked in the page with the core's own rules. Every other
 * renderer file imports from here, never from src/ (test/e2e/renderer-source.test.ts checks it).
 */
import { contract, subscriptions } from '../../../src/api/contract';

export { contract };
export type { ApiErrorShape, OpInput, OpName, OpOutput, Result, SubEvent, SubInput, SubName } from '../../../src/api/contract';
// Not re-exported by src/api/contract yet: a type, so nothing of src/api/permissions reaches the bundle.
export type { Permission } from '../../../src/api/permissions';

/** Run states and outcomes, read from the contract's schemas so they can never drift from the core's. */
export const RUN_STATES = contract['runs.list'].input.shape.state.unwrap().options;
export const RUN_OUTCOMES = subscriptions['runs.state'].event.shape.outcome.unwrap().options;
