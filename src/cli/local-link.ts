/**
 * The core of this process: the CLI opens the store itself, as it did before the service, when no
 * unsealed service runs for the home. Loaded only then (main.ts imports it lazily), since it brings
 * the store, the engine client and every schema with it.
 */
import { Core, dispatch, subscribe, type OpName, type SubName } from '../api';
import type { CliLink } from './link';

export class LocalLink implements CliLink {
  readonly kind = 'local';
  readonly core: Core;

  constructor(home: string) {
    this.core = new Core({ home });
  }

  async call(sessionId: string | null, name: OpName, input: unknown): Promise<unknown> {
    return await dispatch(this.core, sessionId, name, input);
  }

  async subscribe(sessionId: string | null, name: SubName, input: unknown, listener: (event: unknown) => void): Promise<() => void> {
    return subscribe(this.core, sessionId, name, input, listener as never);
  }

  async stopRunner(why: string): Promise<void> {
    await this.core.stopRunner(why);
  }

  /** Stops the runner a `run` started (its lease released, no container left) and closes the store. */
  async close(): Promise<void> {
    await this.core.close();
  }
}
