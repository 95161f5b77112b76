/** The face of src/api: the contract, the core and the dispatcher. */
export { ApiError, isApiError, toErrorShape, ERROR_CODES, type ApiErrorShape, type ErrorCode, type Result, systemClock, fixedClock, type Clock } from '../kernel';
export * from './contract';
export * from './permissions';
export { Core, VERSION, type CoreOptions } from './core';
export { dispatch, call, subscribe } from './dispatcher';
