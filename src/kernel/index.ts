/**
 * The kernel: what every layer of the core stands on and what imports nothing else of src/
 * (ARCHITECTURE.md, "Layers"): the closed error codes, the clock, the typed bus, canonical JSON.
 */
export {
  ERROR_CODES,
  NEXT_STEPS,
  ApiError,
  isApiError,
  toErrorShape,
  type ErrorCode,
  type ApiErrorShape,
  type NextStep,
  type Result,
} from './errors';
export { systemClock, fixedClock, type Clock } from './clock';
export { Bus } from './bus';
export { canonicalJson, type JsonValue } from './canonical';
export { settingsFrom, joinSettingsBlocks, type SettingDef, type SettingsBlock, type SettingsOf } from './settings';
export { AUDIT_OUTCOMES, type AuditOutcome, type AuditRecord, type CoreContext, type ReadContext, type Publisher } from './context';
export type { ReadonlyDb, ReadStatement, ReadPragma } from './readonly-db';
export { preparedOnce } from './statements';
export { isProcessAlive } from './process';
export { defaultHome, servicePaths } from './home';
export {
  FrameReader,
  RequestRouter,
  writeFrame,
  WireClient,
  MAX_FRAME_BYTES,
  type ServiceAction,
  type WireReply,
  type WireRequest,
} from './wire';
