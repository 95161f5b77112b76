/**
 * How a command reaches a core: the core of this process (the store opened here, as before there
 * was a service), or a running service over its socket (docs/service.md). Both dispatch through
 * src/api's one handler table; only where that table runs differs.
 */
import { ApiError, WireClient, type Result } from '../kernel';
import type { OpName, SubName } from '../api/model';

export interface CliLink {
  readonly kind: 'local' | 'service';
  call(sessionId: string | null, name: OpName, input: unknown): Promise<unknown>;
  subscribe(sessionId: string | null, name: SubName, input: unknown, listener: (event: unknown) => void): Promise<() => void>;
  /** Stops this process's runner at once (local only; a service's runs are the service's). */
  stopRunner(why: string): Promise<void>;
  close(): Promise<void>;
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw ApiError.from(result.error);
}

/** A running, unsealed service, reached over its socket. */
export class ServiceLink implements CliLink {
  readonly kind = 'service';

  constructor(readonly client: WireClient) {}

  async call(sessionId: string | null, name: OpName, input: unknown): Promise<unknown> {
    return unwrap(await this.client.call(sessionId, name, input));
  }

  async subscribe(sessionId: string | null, name: SubName, input: unknown, listener: (event: unknown) => void): Promise<() => void> {
    return unwrap(await this.client.subscribe(sessionId, name, input, listener));
  }

  async service(action: 'status' | 'unseal' | 'lock', sessionId: string | null, input: unknown = {}): Promise<unknown> {
    return unwrap(await this.client.service(action, sessionId, input));
  }

  async stopRunner(): Promise<void> {}

  async close(): Promise<void> {
    this.client.close();
  }
}
