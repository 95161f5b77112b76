/**
 * The service's wire (ARCHITECTURE.md, "Process model"): newline-delimited JSON frames over the Unix
 * socket in the home. Clients (the CLI, Electron main) send the same call/subscribe requests the
 * desktop's utility-process port carries, plus the service's own actions (status, unseal, lock);
 * the service answers each with a result in the boundary's `{ ok, value } | { ok: false, error }`
 * form. The first frame the service sends is `hello` (or `refused`, then it hangs up). No core
 * import: the CLI's thin entry and Electron main load only this.
 */
import { connect, type Socket } from 'node:net';
import type { ApiErrorShape, Result } from './errors';

/** A frame larger than this ends the connection (inputs are capped far below it by the contract). */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;

export type ServiceAction = 'status' | 'unseal' | 'lock';

export type WireRequest =
  | { kind: 'call'; id: number; sessionId: string | null; name: string; input: unknown }
  | { kind: 'subscribe'; id: number; sessionId: string | null; name: string; input: unknown }
  | { kind: 'unsubscribe'; id: number }
  | { kind: 'service'; id: number; sessionId: string | null; action: ServiceAction; input: unknown };

export type WireReply =
  | { kind: 'hello'; pid: number; sealed: boolean; version: string }
  | { kind: 'refused'; error: ApiErrorShape }
  | { kind: 'result'; id: number; result: Result<unknown> }
  | { kind: 'event'; id: number; event: unknown };

/** Splits a byte stream into JSON frames, one per line; a frame over the cap is an error. */
export class FrameReader {
  private buffered: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly onFrame: (frame: unknown) => void,
    private readonly onError: (why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.buffered.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.buffered).toString('utf8');
      this.buffered = [];
      this.size = 0;
      start = nl + 1;
      if (line.length === 0) continue;
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        return this.onError('a frame that is not JSON');
      }
      this.onFrame(frame);
    }
    const rest = chunk.subarray(start);
    this.size += rest.length;
    if (this.size > MAX_FRAME_BYTES) return this.onError(`a frame over ${MAX_FRAME_BYTES} bytes`);
    if (rest.length) this.buffered.push(rest);
  }
}

export function writeFrame(socket: Socket, frame: WireRequest | WireReply): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(frame)}\n`);
}

/**
 * Numbers requests and routes their replies and subscription events. Both clients of a core use it:
 * the service's socket (WireClient below) and Electron main's port to its utility process
 * (main/core-protocol.ts); only how a request is sent differs.
 */
export class RequestRouter {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Result<unknown>) => void>();
  private readonly listeners = new Map<number, (event: unknown) => void>();

  /** Sends what `post` builds for a fresh id and resolves with its result. */
  async request(post: (id: number) => void): Promise<Result<unknown>> {
    const id = this.nextId++;
    return await new Promise((resolve) => {
      this.pending.set(id, resolve);
      post(id);
    });
  }

  /** A subscription: events for its id go to `onEvent` until the returned function stops it (`unsubscribe` tells the core). */
  async subscribe(
    post: (id: number) => void,
    onEvent: (event: unknown) => void,
    unsubscribe: (id: number) => void,
  ): Promise<Result<() => void>> {
    let subId = 0;
    const result = await this.request((id) => {
      subId = id;
      this.listeners.set(id, onEvent);
      post(id);
    });
    if (!result.ok) {
      this.listeners.delete(subId);
      return result;
    }
    return {
      ok: true,
      value: () => {
        if (this.listeners.delete(subId)) unsubscribe(subId);
      },
    };
  }

  /** A `result` or `event` reply; anything else is ignored. */
  receive(reply: { kind?: unknown; id?: unknown; result?: unknown; event?: unknown } | null | undefined): void {
    if (reply?.kind === 'result' && typeof reply.id === 'number') {
      const settle = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      settle?.(reply.result as Result<unknown>);
    } else if (reply?.kind === 'event' && typeof reply.id === 'number') {
      this.listeners.get(reply.id)?.(reply.event);
    }
  }

  /** The other end went away: every open request fails with `error`, every subscription ends. */
  failAll(error: ApiErrorShape): void {
    for (const settle of this.pending.values()) settle({ ok: false, error });
    this.pending.clear();
    this.listeners.clear();
  }
}

const SERVICE_GONE: ApiErrorShape = {
  code: 'INTERNAL',
  message: 'The service stopped while this request was open. Check that the service is running again, then retry.',
  next: 'service-status',
};

/** The client end: numbers requests, matches replies, routes subscription events. */
export class WireClient {
  private readonly router = new RequestRouter();
  private readonly closeListeners = new Set<() => void>();

  private constructor(
    private readonly socket: Socket,
    readonly hello: Extract<WireReply, { kind: 'hello' }>,
  ) {}

  /**
   * Connects and waits for the service's hello, within `timeoutMs`. Rejects with the socket error
   * (ENOENT, ECONNREFUSED: no service runs) or with the service's refusal (an Error whose `shape`
   * is the `{ code, message }` it sent).
   */
  static async connect(path: string, timeoutMs = 5000): Promise<WireClient> {
    return await new Promise<WireClient>((resolve, reject) => {
      const socket = connect(path);
      let client: WireClient | null = null;
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(Object.assign(new Error('the service did not answer in time'), { code: 'ETIMEDOUT' })),
        timeoutMs,
      );
      const reader = new FrameReader(
        (frame) => {
          const reply = frame as WireReply;
          if (client) return client.router.receive(reply);
          if (reply?.kind === 'hello') {
            clearTimeout(timer);
            client = new WireClient(socket, reply);
            socket.on('close', () => client!.closed());
            resolve(client);
          } else if (reply?.kind === 'refused') {
            fail(Object.assign(new Error(reply.error.message), { shape: reply.error }));
          } else fail(new Error('the service sent something other than its hello'));
        },
        (why) => (client ? socket.destroy() : fail(new Error(`the service sent ${why}`))),
      );
      socket.on('data', (chunk: Buffer) => reader.push(chunk));
      socket.on('error', (error) => (client ? undefined : fail(error)));
      socket.on('close', () => (client ? undefined : fail(new Error('the service hung up'))));
    });
  }

  private closed(): void {
    this.router.failAll(SERVICE_GONE);
    for (const l of this.closeListeners) l();
  }

  onClose(listener: () => void): void {
    this.closeListeners.add(listener);
  }

  private send(request: WireRequest): void {
    // A request on a closed socket fails like one open when it closed.
    if (this.socket.destroyed) this.router.failAll(SERVICE_GONE);
    else writeFrame(this.socket, request);
  }

  async call(sessionId: string | null, name: string, input: unknown): Promise<Result<unknown>> {
    return await this.router.request((id) => this.send({ kind: 'call', id, sessionId, name, input }));
  }

  async service(action: ServiceAction, sessionId: string | null, input: unknown = {}): Promise<Result<unknown>> {
    return await this.router.request((id) => this.send({ kind: 'service', id, sessionId, action, input }));
  }

  async subscribe(sessionId: string | null, name: string, input: unknown, onEvent: (event: unknown) => void): Promise<Result<() => void>> {
    return await this.router.subscribe(
      (id) => this.send({ kind: 'subscribe', id, sessionId, name, input }),
      onEvent,
      (id) => this.send({ kind: 'unsubscribe', id }),
    );
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
