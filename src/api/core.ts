/**
 * The composition root of the core: one per process (CLI command, desktop utility process,
 * service, test harness). It builds every service, passes each its collaborators in its
 * constructor, and owns their lifetimes: the store it opened, the engine, the runner, the sessions
 * and the one typed bus. `close()` stops them all. Every operation goes through `dispatch`, which
 * is where validation, permissions and audit happen.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import {
  ApiError,
  Bus,
  systemClock,
  type AuditRecord,
  type Clock,
  type CoreContext,
  type ReadContext,
  type SettingsBlock,
  type SettingsOf,
} from '../kernel';
import { layoutOf, PartialFiles, readSettings, type ScryptCost, type Store } from '../store';
import { ENGINE_SETTINGS, EngineProvider, type ContainerEngine } from '../engine';
import { IdentityService, SignInAttempts, Users, type ChainStart, type Sessions } from '../identity';
import { appendEvent, appendGenesis, ensureIdentity, type AuditEvent } from '../audit';
import { catalogBundlePort, sweepStaleStaging, type ImportProgress } from '../bundles';
import { RunnerHost, Scheduler, type BundlePort, type LeaseOptions, type RunTopics } from '../runner';
import { wipeKeyring, type Keyring } from '../store';
import { RESEAL_HOOKS, ROTATION_HOOKS } from './rotation-hooks';

export { VERSION } from './model';

export interface CoreOptions {
  home: string;
  clock?: Clock;
  /** Lower scrypt cost: only for unit tests of the store; products use the default. */
  scryptCost?: ScryptCost;
  idleMs?: number;
  /** The container engine; by default made from the `engine.socket` setting, else DOCKER_HOST. */
  engine?: ContainerEngine;
  /** What the runner asks of the catalog; by default the catalog itself. */
  bundles?: BundlePort;
  /** Lease timings (heartbeat, staleness), for tests of takeover. */
  lease?: LeaseOptions;
  /** How often the runner reads the store for approvals and cancels from other processes. */
  pollMs?: number;
  /** How often the scheduler looks for due occurrences (once started with startScheduler). */
  scheduleTickMs?: number;
}

export interface ExportProgressEvent {
  exportId: string;
  phase: 'events' | 'signing' | 'done';
  events: number;
  bytes: number;
}

export type ImportProgressEvent = ImportProgress & { progressId: string };

/**
 * The core as a read handler sees it: what it may read (the database typed read-only) and nothing
 * that records or changes the store. Core satisfies it; a read handler gets it under this type.
 */
export interface ReadCore extends ReadContext {
  readonly identity: Pick<IdentityService, 'isInitialised'>;
  readonly users: Pick<Users, 'list' | 'byName' | 'bySlot'>;
  readonly store: Pick<Store, 'generation'>;
  readonly runner: Pick<RunnerHost, 'waitFor'>;
  readonly scheduler: Pick<Scheduler, 'running' | 'problem'>;
  engine(): ContainerEngine;
}

/** Every topic of the core's one bus; the subscriptions of the contract listen here. */
export type CoreTopics = { audit: AuditEvent; exportProgress: ExportProgressEvent; importProgress: ImportProgressEvent } & RunTopics;

export class Core implements CoreContext, ReadCore {
  readonly home: string;
  readonly clock: Clock;
  readonly bus = new Bus<CoreTopics>();
  readonly scryptCost: ScryptCost | undefined;
  readonly identity: IdentityService;
  readonly runner: RunnerHost;
  readonly scheduler: Scheduler;
  /** Sign-ins half done (password given, IdP or directory step pending): this process's memory only. */
  readonly signInAttempts = new SignInAttempts();
  /** Keys an operator or admin unsealed the scheduler with (the service); else a live session's. */
  private unsealed: Keyring | null = null;
  private readonly engines: EngineProvider;
  private opened: Store | null = null;
  private removedPartials: string[];
  /** The sweep of a crashed holder's leftovers started when the store was opened (RunnerHost.sweep). */
  private sweeping: Promise<unknown> = Promise.resolve();

  constructor(options: CoreOptions) {
    this.home = options.home;
    this.clock = options.clock ?? systemClock;
    // Import folders a killed process left behind (its blobs, unencrypted image layers) go at once,
    // and so do the partial files of a killed audit export (the next export reports them).
    sweepStaleStaging(layoutOf(this.home).staging);
    this.removedPartials = new PartialFiles(this.home).sweep();
    this.scryptCost = options.scryptCost;
    this.identity = new IdentityService({
      home: this.home,
      clock: this.clock,
      scryptCost: options.scryptCost,
      idleMs: options.idleMs,
      holder: { current: () => this.opened, attach: (store) => this.attach(store) },
      record: (event) => this.record(event),
      chain: this.chainStart(),
    });
    this.engines = new EngineProvider({ engine: options.engine, socketSetting: () => this.settings(ENGINE_SETTINGS)['engine.socket'] });
    this.runner = new RunnerHost({
      ctx: this,
      engine: () => this.engine(),
      bundles: options.bundles ?? catalogBundlePort,
      bus: this.bus,
      ...(options.lease ? { lease: options.lease } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
    this.scheduler = new Scheduler({
      ctx: this,
      host: this.runner,
      keys: () => this.schedulerKeys(),
      ...(options.scheduleTickMs ? { tickMs: options.scheduleTickMs } : {}),
    });
  }

  /**
   * The vault key the scheduler checks schedules and opens secrets with: the keys an operator
   * unsealed it with, else those of a live session holding the vault key (a signed-in desktop
   * app). Null while the store is locked or no such session lives: nothing fires.
   */
  private schedulerKeys(): Pick<Keyring, 'vault'> | null {
    if (!this.opened) return null;
    if (this.unsealed?.vault) return this.unsealed;
    const now = this.clock.now().getTime();
    const live = this.sessions.all().filter((s) => s.keyring.vault && this.sessions.isLive(s.id, now));
    return live.at(-1)?.keyring ?? null;
  }

  /**
   * Starts firing schedules in this process (desktop core, service). Runs start only while the
   * store is open and a vault key is at hand, and only in the process holding the runner lease.
   */
  startScheduler(unsealed?: Keyring): void {
    if (unsealed) this.unsealScheduler(unsealed);
    this.scheduler.start();
  }

  /** Gives the scheduler its own copy of an operator's keys (the service's unseal; tests with a fake clock). */
  unsealScheduler(keys: Keyring): void {
    if (this.unsealed) wipeKeyring(this.unsealed);
    this.unsealed = { data: Buffer.from(keys.data), ...(keys.vault ? { vault: Buffer.from(keys.vault) } : {}) };
  }

  /** How a new store's chain starts: its genesis event, then the workstation's signing identity. */
  private chainStart(): ChainStart {
    return {
      genesis: (store) => void appendGenesis(store.db, store.workstationId, this.clock),
      signingIdentity: async (store, keyring, now) => await ensureIdentity(store.db, store.workstationId, keyring, now),
    };
  }

  get isOpen(): boolean {
    return this.opened !== null;
  }

  get store(): Store {
    if (!this.opened) throw new ApiError('UNAUTHENTICATED', 'The store is locked. Sign in first.');
    return this.opened;
  }

  get db(): Database {
    return this.store.db;
  }

  get workstationId(): string {
    return this.store.workstationId;
  }

  get sessions(): Sessions {
    return this.identity.sessions;
  }

  get users(): Users {
    return new Users(this.db);
  }

  /** The engine the import and the runner use (see EngineProvider). */
  engine(): ContainerEngine {
    return this.engines.get();
  }

  settings<B extends SettingsBlock>(block: B): SettingsOf<B> {
    return readSettings(this.db, block);
  }

  // --- audit: the one way events are written ---

  /** Appends an event; call inside the transaction of the change it records. */
  record(e: AuditRecord): void {
    const events = appendEvent(this.db, this.workstationId, this.clock, e);
    // Subscribers hear about it after the surrounding transaction commits.
    queueMicrotask(() => {
      for (const ev of events) this.bus.emit('audit', ev);
    });
  }

  /** Runs `fn` and records its event in one transaction: both happen or neither. */
  transact<T>(fn: () => T, e: AuditRecord): T {
    return this.db.transaction(() => {
      const result = fn();
      this.record(e);
      return result;
    })();
  }

  /** Partial export files this core removed when it started, once (the next export reports them). */
  takeRemovedPartials(): string[] {
    const removed = this.removedPartials;
    this.removedPartials = [];
    return removed;
  }

  /** Takes a store opened elsewhere (restore). */
  adopt(store: Store): void {
    this.attach(store);
  }

  private attach(store: Store): void {
    for (const hook of ROTATION_HOOKS) store.onRotation(hook);
    for (const hook of RESEAL_HOOKS) store.onReseal(hook);
    this.opened = store;
    // A crashed runner's container and secret folder go as soon as any process opens the store.
    this.sweeping = this.runner.sweep().catch(() => null);
  }

  /** Resolves once the sweep started at opening is done (operations wait for it, so they see its result). */
  async swept(): Promise<void> {
    await this.sweeping;
  }

  /** Stops this process's runner now (its runs end as interrupted), keeping the store open. */
  async stopRunner(why: string): Promise<void> {
    await this.runner.stop(why);
  }

  /**
   * Stops everything this core started: the runner interrupts what it still holds, removes their
   * containers and releases its lease; then sessions end and the store closes.
   */
  async close(why = 'the process is ending'): Promise<void> {
    await this.swept();
    await this.scheduler.stop();
    if (this.unsealed) wipeKeyring(this.unsealed);
    this.unsealed = null;
    await this.runner.stop(why);
    this.sessions.endAll();
    this.opened?.close();
    this.opened = null;
  }
}
