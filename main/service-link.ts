/**
 * The desktop app as a client of a running service (docs/service.md): when `airgap-runner service`
 * answers on the home's socket, main talks to that core instead of starting its own utility
 * process, over the same call/subscribe requests. Thin: the wire and its checks are the kernel's
 * and the service's; this only reconnects after the service restarts (sessions do not survive
 * that, as with a restarted utility process).
 */
import { servicePaths, WireClient } from '../src/kernel';
import type { Result } from '../src/kernel';
import type { CoreLink } from './session-bridge';

const NOT_ANSWERING = (why: string): Result<never> => ({
  ok: false,
  error: {
    code: 'LOCKED',
    message: `The Airgap Runner service for this home is not answering (${why}). Check "airgap-runner service status".`,
  },
});

export class ServiceCoreLink implements CoreLink {
  private client: WireClient | null;

  private constructor(
    private readonly socket: string,
    client: WireClient,
    private readonly onDrop: () => void,
  ) {
    this.client = this.watch(client);
  }

  /** A link to the service on `home`, or null when none answers there (main then starts its own core). */
  static async connect(home: string, onDrop: () => void): Promise<ServiceCoreLink | null> {
    const { socket } = servicePaths(home);
    try {
      return new ServiceCoreLink(socket, await WireClient.connect(socket, 3000), onDrop);
    } catch {
      return null;
    }
  }

  get sealed(): boolean {
    return this.client?.hello.sealed ?? true;
  }

  private watch(client: WireClient): WireClient {
    client.onClose(() => {
      if (this.client === client) this.client = null;
      this.onDrop();
    });
    return client;
  }

  private async current(): Promise<WireClient> {
    this.client ??= this.watch(await WireClient.connect(this.socket, 3000));
    return this.client;
  }

  async call(sessionId: string | null, name: string, input: unknown): Promise<Result<unknown>> {
    let client: WireClient;
    try {
      client = await this.current();
    } catch (error) {
      return NOT_ANSWERING((error as Error).message);
    }
    return await client.call(sessionId, name, input);
  }

  async subscribe(sessionId: string | null, name: string, input: unknown, onEvent: (event: unknown) => void): Promise<Result<() => void>> {
    let client: WireClient;
    try {
      client = await this.current();
    } catch (error) {
      return NOT_ANSWERING((error as Error).message);
    }
    return await client.subscribe(sessionId, name, input, onEvent);
  }

  close(): void {
    const client = this.client;
    this.client = null;
    client?.close();
  }
}
