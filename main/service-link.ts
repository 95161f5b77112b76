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
import type { ServiceState, UnsealInput } from './desktop-api';

/** What main (and the browser harness) offers the page about the service: its state, and unseal. */
export interface ServiceControl {
  state(): Promise<ServiceState | null>;
  unseal(input: unknown): Promise<Result<ServiceState>>;
}

type StatusShape = { state: 'sealed' | 'unsealed'; startedAt: string; unsealedAt: string | null; unsealedBy: string | null };

function stateOf(status: StatusShape): ServiceState {
  return { state: status.state, since: status.unsealedAt ?? status.startedAt, unsealedBy: status.unsealedBy };
}

/** The page's unseal input, checked: strings of sane length only, nothing else passed on. */
function unsealInput(raw: unknown): UnsealInput | null {
  const r = (raw ?? {}) as Record<string, unknown>;
  const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
  if (!text(r.name, 128) || !text(r.password, 1024)) return null;
  if (r.totpCode !== undefined && !(typeof r.totpCode === 'string' && /^[A-Za-z0-9-]{6,24}$/.test(r.totpCode))) return null;
  return { name: r.name as string, password: r.password as string, ...(r.totpCode ? { totpCode: r.totpCode } : {}) };
}

const NOT_ANSWERING = (why: string): Result<never> => ({
  ok: false,
  error: {
    code: 'LOCKED',
    message: `The Airgap Runner service for this home is not answering (${why}). Check "airgap-runner service status".`,
  },
});

export class ServiceCoreLink implements CoreLink, ServiceControl {
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

  /** The service's state now, or null when it does not answer. */
  async state(): Promise<ServiceState | null> {
    try {
      const status = await (await this.current()).service('status', null);
      return status.ok ? stateOf(status.value as StatusShape) : null;
    } catch {
      return null;
    }
  }

  /** Unseals the service with an operator's or admin's sign-in (the service checks the role and records it). */
  async unseal(raw: unknown): Promise<Result<ServiceState>> {
    const input = unsealInput(raw);
    if (!input) return { ok: false, error: { code: 'INVALID_INPUT', message: 'Unsealing needs a user name and that user’s password.' } };
    let client: WireClient;
    try {
      client = await this.current();
    } catch (error) {
      return NOT_ANSWERING((error as Error).message);
    }
    const done = await client.service('unseal', null, input);
    return done.ok ? { ok: true, value: stateOf(done.value as StatusShape) } : done;
  }

  close(): void {
    const client = this.client;
    this.client = null;
    client?.close();
  }
}
