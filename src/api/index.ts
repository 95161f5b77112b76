/** The face of src/api: the contract, the core and the dispatcher. */
export {
  ApiError,
  isApiError,
  toErrorShape,
  ERROR_CODES,
  type ApiErrorShape,
  type ErrorCode,
  type Result,
  systemClock,
  fixedClock,
  type Clock,
} from '../kernel';
export * from './contract';
export * from './permissions';
export { Core, VERSION, type CoreOptions } from './core';
export { dispatch, call, subscribe } from './dispatcher';
/** For the processes that start a core (CLI, desktop host): where its home is by default. */
export { defaultHome } from '../store';
/** The standalone verifier's command line, which `airgap-runner audit verify` runs as it is. */
export { runVerifierCli } from '../audit';
