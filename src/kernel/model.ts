/**
 * The kernel's pure face: the boundary's error codes and result shapes, with nothing behind them.
 * The contract re-exports these to the renderer, whose type check must not reach the store's
 * database types (and with them Node's) through the kernel's full face.
 */
export { ERROR_CODES, type ApiErrorShape, type ErrorCode, type Result } from './errors';
