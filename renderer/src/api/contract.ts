/**
 * The renderer's one door into src/: the contract's types, and the contract itself as data (zod
 * schemas, pure, no Node) so forms are checked in the page with the core's own rules. Every other
 * renderer file imports from here, never from src/ (test/e2e/renderer-source.test.ts checks it).
 */
export { contract, RUN_STATES, RUN_OUTCOMES, isTotpChallenge, signInRefusal } from '../../../src/api/contract';
export type { SignInRefusal } from '../../../src/api/contract';
export type { ApiErrorShape, OpInput, OpName, OpOutput, Permission, Result, SubEvent, SubInput, SubName } from '../../../src/api/contract';
