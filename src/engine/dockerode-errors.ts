/**
 * What dockerode throws, as ApiErrors: nothing answering is ENGINE_UNAVAILABLE naming the socket;
 * 404 NOT_FOUND; 409 CONFLICT; 400 INVALID_INPUT; anything else INTERNAL with the engine's message.
 */
import { ApiError } from '../kernel';
import { engineUnavailable, type EngineSocket } from './socket';

export interface EngineErrorLike {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | string | null;
  reason?: string;
  message?: string;
}

/** Engine messages are shown to people: one line, no control characters, bounded. */
export function clean(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ') // eslint-disable-line no-control-regex
    .trim()
    .slice(0, 500);
}

export function engineMessage(error: EngineErrorLike): string {
  const json = error.json;
  if (json && typeof json === 'object' && typeof json.message === 'string') return clean(json.message);
  if (typeof json === 'string' && json.trim()) return clean(json);
  return clean(error.reason ?? error.message ?? 'unknown error');
}

const CONNECT_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'ENOTSOCK', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Whatever dockerode threw while trying to `what`, as an ApiError. */
export function engineFailure(socket: EngineSocket, error: unknown, what: string): ApiError {
  if (error instanceof ApiError) return error;
  const e = (error ?? {}) as EngineErrorLike;
  if (e.code && CONNECT_ERRORS.has(e.code)) return engineUnavailable(socket, e.code, error);
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    return new ApiError(
      'ENGINE_UNAVAILABLE',
      `Permission denied on the container engine socket ${socket.url}. Use rootless Podman (preferred), or ask the workstation's administrator for access (membership of the docker group is root-equivalent).`,
      { cause: error },
    );
  }
  const status = e.statusCode;
  const message = engineMessage(e);
  if (status === 404) return new ApiError('NOT_FOUND', `The container engine has no such ${what}: ${message}.`, { cause: error });
  if (status === 409) return new ApiError('CONFLICT', `The container engine refused to ${what}: ${message}.`, { cause: error });
  if (status === 400) return new ApiError('INVALID_INPUT', `The container engine refused to ${what}: ${message}.`, { cause: error });
  if (status === undefined) return engineUnavailable(socket, clean(e.message ?? 'no answer'), error);
  return new ApiError('INTERNAL', `The container engine failed to ${what} (HTTP ${status}): ${message}. Check the engine's log.`, {
    cause: error,
  });
}

/** A 404 from the engine (an inspect of something gone answers null, not an error). */
export function isMissing(error: unknown): boolean {
  return (error as EngineErrorLike | null)?.statusCode === 404;
}
