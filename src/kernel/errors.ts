/**
 * The closed set of error codes that cross every boundary (IPC, CLI, test harness).
 * A message always says what the user can do next; stack traces never leave the core.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID_INPUT',
  'NOT_FOUND',
  'POLICY_DENIED',
  'VERIFY_FAILED',
  'ENGINE_UNAVAILABLE',
  'CONFLICT',
  'LOCKED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/**
 * Turns anything thrown into the boundary shape. Unknown errors become INTERNAL with a
 * generic message: their text may hold paths or data we do not want to leak.
 */
export function toErrorShape(error: unknown): ApiErrorShape {
  if (isApiError(error)) return error.toJSON();
  return {
    code: 'INTERNAL',
    message: 'An internal error occurred. Check the application log on this workstation and try again.',
  };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };
