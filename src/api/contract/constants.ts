/**
 * The contract's closed sets and limits as plain data (no zod), so a client that only prints or
 * checks them (the CLI's thin path through a running service) does not load the schemas.
 */
export const RUN_STATES = ['awaiting-approval', 'queued', 'running', 'finished'] as const;
export const RUN_OUTCOMES = ['succeeded', 'failed', 'timed-out', 'cancelled', 'interrupted', 'error'] as const;

/** Largest text `redact preview --file` takes. */
export const MAX_PREVIEW_TEXT = 8 * 1024 * 1024;

/** Days of the week, as schedules' weekly blackouts name them. */
export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
