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

/**
 * What the user can do next, named so each front end can offer it its own way: the message says it
 * in words (the window shows that), the CLI adds the exact command (src/cli/hints.ts).
 */
export const NEXT_STEPS = ['init', 'restore', 'recover', 'sign-in', 'service-status', 'service-unseal'] as const;

export type NextStep = (typeof NEXT_STEPS)[number];

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
  next?: NextStep;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly next: NextStep | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; next?: NextStep }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.next = options?.next;
  }

  /** The same error rebuilt from its boundary shape (a reply from the service). */
  static from(shape: ApiErrorShape): ApiError {
    const next = shape.next !== undefined && (NEXT_STEPS as readonly string[]).includes(shape.next) ? shape.next : undefined;
    return new ApiError(shape.code, shape.message, { next });
  }

  toJSON(): ApiErrorShape {
    return this.next ? { code: this.code, message: this.message, next: this.next } : { code: this.code, message: this.message };
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
