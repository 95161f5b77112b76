/**
 * The message protocol between Electron main and the core's utility process: `PortLink` is main's
 * end (a CoreLink over the port), `serveCore` the utility process's end. Neither imports the core
 * or electron, so main's bundle stays free of the store and its native module.
 */
import { RequestRouter, type ApiErrorShape, type Result } from '../src/kernel';
import type { CoreLink } from './session-bridge';

/** Messages from main to the core host. */
export type HostRequest =
  | { kind: 'call'; id: number; sessionId: string | null; name: string; input: unknown }
  | { kind: 'subscribe'; id: number; sessionId: string | null; name: string; input: unknown }
  | { kind: 'unsubscribe'; id: number };

/** Messages from the core host to main. */
export type HostReply =
  { kind: 'ready' } | { kind: 'result'; id: number; result: Result<unknown> } | { kind: 'event'; id: number; event: unknown };

const CORE_STOPPED: ApiErrorShape = {
  code: 'INTERNAL',
  message: 'The core process stopped and is being restarted. Sign in again, then retry.',
};

/** Main's end of the port: requests wait until the host says it is ready; replies are routed by the kernel's RequestRouter. */
export class PortLink implements CoreLink {
  private readonly router = new RequestRouter();
  private ready = false;
  private readonly queue: HostRequest[] = [];

  constructor(private readonly send: (request: HostRequest) => void) {}

  /** Feed every message the host posts. */
  receive(message: unknown): void {
    const reply = message as HostReply;
    if (reply?.kind === 'ready') {
      this.ready = true;
      for (const request of this.queue.splice(0)) this.send(request);
    } else this.router.receive(reply);
  }

  /** The host exited: every open request fails, every subscription ends. */
  fail(): void {
    this.ready = false;
    this.queue.length = 0;
    this.router.failAll(CORE_STOPPED);
  }

  private post(request: HostRequest): void {
    if (this.ready) this.send(request);
    else this.queue.push(request);
  }

  async call(sessionId: string | null, name: string, input: unknown): Promise<Result<unknown>> {
    return await this.router.request((id) => this.post({ kind: 'call', id, sessionId, name, input }));
  }

  async subscribe(sessionId: string | null, name: string, input: unknown, onEvent: (event: unknown) => void): Promise<Result<() => void>> {
    return await this.router.subscribe(
      (id) => this.post({ kind: 'subscribe', id, sessionId, name, input }),
      onEvent,
      (id) => this.post({ kind: 'unsubscribe', id }),
    );
  }
}

/** The utility process's end: the minimal port shape both Electron's parentPort and tests provide. */
export interface HostPort {
  postMessage(message: HostReply): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** Serves a CoreLink (normally `directLink(core)`) over a port. */
export function serveCore(link: CoreLink, port: HostPort): void {
  const subs = new Map<number, () => void>();
  port.on('message', ({ data }) => {
    const request = data as HostRequest;
    if (request?.kind === 'call') {
      void link
        .call(request.sessionId, request.name, request.input)
        .then((result) => port.postMessage({ kind: 'result', id: request.id, result }));
    } else if (request?.kind === 'subscribe') {
      void link
        .subscribe(request.sessionId, request.name, request.input, (event) => port.postMessage({ kind: 'event', id: request.id, event }))
        .then((result) => {
          if (result.ok) subs.set(request.id, result.value);
          port.postMessage({ kind: 'result', id: request.id, result: result.ok ? { ok: true, value: null } : result });
        });
    } else if (request?.kind === 'unsubscribe') {
      subs.get(request.id)?.();
      subs.delete(request.id);
    }
  });
  port.postMessage({ kind: 'ready' });
}
