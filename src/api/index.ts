/** The face of src/api: the contract, the core and the dispatcher. */
export * from './errors';
export * from './contract';
export * from './permissions';
export { Core, VERSION, type CoreOptions } from './core';
export { dispatch, call, subscribe } from './dispatcher';
export { systemClock, fixedClock, type Clock } from './clock';
