/**
 * The always-on core (ARCHITECTURE.md, "Process model"; docs/service.md): `airgap-runner service`
 * runs a Core with no window, holds the runner lease from the moment it starts (a second service or
 * a desktop app on the same home gets LOCKED), and serves clients over a Unix socket in the home.
 *
 * It starts sealed: the store is closed and every call is refused with LOCKED. `unseal` signs an
 * operator or admin in inside the service; the store stays open and that session's keys stay in
 * this process's memory (never idle-expired) until `lock` (an admin) or the process stops. Then the
 * runner starts on the lease already held and recovers what a previous holder left.
 *
 * Calls and subscriptions go through src/api's `call` and `subscribe`, the one dispatcher, with
 * the session id the client sends; the service adds nothing to what a session may do.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { call, dispatch, subscribe, Core, VERSION, type OpName, type SubName } from '../api';
import { ApiError, FrameReader, servicePaths, toErrorShape, WireClient, writeFrame, type Result, type WireRequest } from '../kernel';
import { checkPeer, checkSocketFile } from './peer';

const SEALED_MESSAGE =
  'The service on this home is sealed: its store is closed until an operator or admin unseals it (from the desktop app, or the service unseal command).';
/** What a sealed service still answers. */
const SEALED_ALLOWED = new Set<string>(['system.status']);

export interface ServiceStatus {
  state: 'sealed' | 'unsealed';
  pid: number;
  home: string;
  version: string;
  startedAt: string;
  unsealedBy: string | null;
  unsealedAt: string | null;
  lease: { held: boolean; instanceId: string | null };
  runs: { awaiting: number; queued: number; active: number };
  runnerError: string | null;
  clients: number;
}

export interface ServiceOptions {
  core: Core;
  /** One line per event worth an operator's attention (refused peers, unseal, lock); never a secret. */
  log?: (line: string) => void;
}

export class Service {
  readonly core: Core;
  readonly socketPath: string;
  private readonly startedAt: string;
  private readonly log: (line: string) => void;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private unseal: { sessionId: string; by: string; at: string } | null = null;
  private runnerError: string | null = null;
  private stopping: Promise<void> | undefined;

  private constructor(options: ServiceOptions) {
    this.core = options.core;
    this.socketPath = servicePaths(options.core.home).socket;
    this.startedAt = options.core.clock.now().toISOString();
    this.log = options.log ?? (() => undefined);
  }

  /**
   * Takes the lease (LOCKED when another process holds it), then listens. A socket file left by a
   * killed service is replaced; one a live service answers on means LOCKED (the lease says so first).
   */
  static async start(options: ServiceOptions): Promise<Service> {
    const { core } = options;
    if (!core.identity.isInitialised()) {
      throw new ApiError('NOT_FOUND', `No store in ${core.home}. Create one (or restore a backup) first, then start the service.`, {
        next: 'init',
      });
    }
    core.runner.reserve();
    const service = new Service(options);
    try {
      await service.listen();
    } catch (error) {
      await core.runner.unreserve();
      throw error;
    }
    return service;
  }

  private async listen(): Promise<void> {
    if (existsSync(this.socketPath)) {
      const live = await WireClient.connect(this.socketPath, 2000).then(
        (client) => (client.close(), true),
        (error: { shape?: unknown }) => error.shape !== undefined,
      );
      if (live) throw new ApiError('LOCKED', `Another service already answers on ${this.socketPath}. Stop it first.`);
      unlinkSync(this.socketPath);
    }
    const server = createServer((socket) => void this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The process umask is 077 (the CLI sets it), so the socket is born 0600; chmod makes sure.
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.socketPath, 0o600);
    this.server = server;
  }

  get sealed(): boolean {
    return this.unseal === null;
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', () => socket.destroy());
    const fileProblem = checkSocketFile(this.socketPath);
    const peer = fileProblem ? { ok: false, why: fileProblem } : await checkPeer(socket);
    if (!peer.ok) {
      this.log(`refused a connection: ${peer.why}`);
      writeFrame(socket, {
        kind: 'refused',
        error: { code: 'FORBIDDEN', message: 'This service serves only the user it runs as, through its own private socket.' },
      });
      socket.end();
      return;
    }
    this.sockets.add(socket);
    const subs = new Map<number, () => void>();
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const stop of subs.values()) stop();
      subs.clear();
    });
    const reader = new FrameReader(
      (frame) => void this.handle(socket, frame as WireRequest, subs),
      (why) => {
        this.log(`closed a connection that sent ${why}`);
        socket.destroy();
      },
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    writeFrame(socket, { kind: 'hello', pid: process.pid, sealed: this.sealed, version: VERSION });
  }

  private async handle(socket: Socket, request: WireRequest, subs: Map<number, () => void>): Promise<void> {
    if (!request || typeof request !== 'object' || typeof request.id !== 'number') return;
    const reply = (result: Result<unknown>) => writeFrame(socket, { kind: 'result', id: request.id, result });
    const sessionId = 'sessionId' in request && typeof request.sessionId === 'string' ? request.sessionId : null;
    switch (request.kind) {
      case 'call':
        if (this.sealed && !SEALED_ALLOWED.has(request.name))
          return reply({ ok: false, error: { code: 'LOCKED', message: SEALED_MESSAGE, next: 'service-unseal' } });
        return reply(await call(this.core, sessionId, request.name as OpName, request.input));
      case 'subscribe': {
        if (this.sealed) return reply({ ok: false, error: { code: 'LOCKED', message: SEALED_MESSAGE, next: 'service-unseal' } });
        try {
          const stop = subscribe(this.core, sessionId, request.name as SubName, request.input, (event) =>
            writeFrame(socket, { kind: 'event', id: request.id, event }),
          );
          subs.set(request.id, stop);
          return reply({ ok: true, value: null });
        } catch (error) {
          return reply({ ok: false, error: toErrorShape(error) });
        }
      }
      case 'unsubscribe':
        subs.get(request.id)?.();
        subs.delete(request.id);
        return;
      case 'service':
        try {
          return reply({ ok: true, value: await this.action(request.action, sessionId, request.input) });
        } catch (error) {
          return reply({ ok: false, error: toErrorShape(error) });
        }
      default:
        return;
    }
  }

  private async action(action: string, sessionId: string | null, input: unknown): Promise<unknown> {
    const fields = (input ?? {}) as Record<string, unknown>;
    switch (action) {
      case 'status':
        return this.status();
      case 'unseal':
        if (typeof fields.name !== 'string' || typeof fields.password !== 'string') {
          throw new ApiError('INVALID_INPUT', 'Unsealing needs a user name and that user’s password.');
        }
        // The rest of the input (a one-time code, where the site asks for one) goes to the sign-in as it is.
        await this.unsealWith(fields);
        return this.status();
      case 'lock':
        await this.lock(sessionId, fields.force === true);
        return this.status();
      default:
        throw new ApiError('NOT_FOUND', `The service has no action "${action}".`);
    }
  }

  status(): ServiceStatus {
    const reservation = this.core.runner.reservation;
    const held = this.core.runner.current()?.snapshot();
    return {
      state: this.sealed ? 'sealed' : 'unsealed',
      pid: process.pid,
      home: this.core.home,
      version: VERSION,
      startedAt: this.startedAt,
      unsealedBy: this.unseal?.by ?? null,
      unsealedAt: this.unseal?.at ?? null,
      lease: { held: reservation !== undefined, instanceId: reservation?.instanceId ?? null },
      runs: { awaiting: held?.awaiting.length ?? 0, queued: held?.queued.length ?? 0, active: held?.active.length ?? 0 },
      runnerError: this.runnerError,
      clients: this.sockets.size,
    };
  }

  /** Signs an operator or admin in inside the service and keeps the store open with their keys. */
  async unsealWith(signIn: Record<string, unknown>): Promise<void> {
    const core = this.core;
    if (!this.sealed) throw new ApiError('CONFLICT', `The service is already unsealed (by ${this.unseal!.by}).`);
    // The same sign-in as every client's (throttling, pending events, the site's second factor).
    const { sessionId } = await dispatch(core, null, 'auth.signIn', signIn);
    const session = core.sessions.touch(sessionId, core.clock.now().getTime())!;
    if (!session.roles.some((r) => r === 'admin' || r === 'operator') || session.mustChangePassword) {
      core.store.db.transaction(() =>
        core.record({ actor: `user:${session.name}`, action: 'service.unseal', target: null, outcome: 'denied', details: {} }),
      )();
      await core.close('an unseal was refused');
      throw new ApiError(
        'FORBIDDEN',
        session.mustChangePassword
          ? 'Change your password first (sign in to the app, or change it with the command line), then unseal the service.'
          : `Your roles (${session.roles.join(', ')}) may not unseal the service: an operator or an admin does.`,
      );
    }
    core.sessions.pin(sessionId);
    core.store.db.transaction(() =>
      core.record({
        actor: `user:${session.name}`,
        action: 'service.unseal',
        target: null,
        outcome: 'success',
        details: { pid: process.pid },
      }),
    )();
    this.unseal = { sessionId, by: session.name, at: core.clock.now().toISOString() };
    this.log(`unsealed by ${session.name}`);
    await this.startRunner();
    // Schedules fire here from now on, with the scheduler's own copy of the unsealing user's keys
    // (wiped, with the scheduler stopped, when the service is locked or stops: Core.close).
    core.startScheduler(session.keyring);
  }

  /** The runner on the lease this service holds: recovery of what a killed holder left, then runs. */
  private async startRunner(): Promise<void> {
    try {
      await this.core.runner.ensure();
      this.runnerError = null;
    } catch (error) {
      // The service stays unsealed (reads, sign-ins); the next run tries again and says why.
      this.runnerError = toErrorShape(error).message;
      this.log(`the runner did not start: ${this.runnerError}`);
    }
  }

  /**
   * Seals the service again (an admin): every session ends (CLI tokens with them), the runner stops
   * (refused while runs are in progress unless `force`, which interrupts them) and the store closes.
   * The lease stays with this process.
   */
  async lock(sessionId: string | null, force: boolean): Promise<void> {
    const core = this.core;
    if (this.sealed) throw new ApiError('CONFLICT', 'The service is already sealed.');
    const session = sessionId ? core.sessions.touch(sessionId, core.clock.now().getTime()) : undefined;
    if (!session) throw new ApiError('UNAUTHENTICATED', 'Sign in first: an admin locks the service.', { next: 'sign-in' });
    const refuse = (error: ApiError) => {
      core.store.db.transaction(() =>
        core.record({
          actor: `user:${session.name}`,
          action: 'service.lock',
          target: null,
          outcome: 'denied',
          details: { error: error.code },
        }),
      )();
      return error;
    };
    if (!session.roles.includes('admin')) throw refuse(new ApiError('FORBIDDEN', 'Only an admin locks the service.'));
    const held = core.runner.current()?.snapshot();
    const inProgress = held ? held.awaiting.length + held.queued.length + held.active.length : 0;
    if (inProgress > 0 && !force) {
      throw refuse(
        new ApiError(
          'CONFLICT',
          `${inProgress} run(s) are in progress or waiting. Wait for them, cancel them, or lock with --force (they end as interrupted).`,
        ),
      );
    }
    core.store.db.transaction(() =>
      core.record({
        actor: `user:${session.name}`,
        action: 'service.lock',
        target: null,
        outcome: 'success',
        details: { interrupted: inProgress },
      }),
    )();
    this.unseal = null;
    this.runnerError = null;
    await core.close('the service was locked');
    this.log(`locked by ${session.name}`);
  }

  /** Stops serving: runs interrupted and their containers removed, lease released, store closed, socket removed. */
  async stop(why = 'the service is stopping'): Promise<void> {
    this.stopping ??= this.shutDown(why);
    await this.stopping;
  }

  private async shutDown(why: string): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.core.runner.unreserve(why);
    await this.core.close(why);
    this.unseal = null;
    try {
      unlinkSync(this.socketPath);
    } catch {
      // Already gone.
    }
  }
}
