/**
 * The composition root of the core: one per process (CLI command, desktop utility process,
 * test harness). It owns the home folder, the open store, sessions and the event bus; every
 * operation goes through `dispatch`, which is where validation, permissions and audit happen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ApiError, systemClock, type Clock, Bus } from '../kernel';
import { Store, type ScryptCost } from '../store/store';
import { layoutOf } from '../store/files';
import { parseKeyslotFile, slotIdFor } from '../store/keyslots';
import { appendEvent, appendGenesis, type NewEvent } from '../audit/log';
import type { AuditEvent } from '../audit/chain';
import { Sessions, DEFAULT_IDLE_MS, type Session } from '../identity/sessions';
import { Users, type UserRow } from '../identity/users';
import { appendPending, clearPending, failureTimes, readPending, throttleWaitMs } from '../identity/pending';
import type { Keyring } from '../store/keyring';
import { readSettings } from '../store';
import { IDENTITY_SETTINGS } from '../identity/settings';
import { ROTATION_HOOKS } from './rotation-hooks';
import { ensureIdentity } from '../audit/identity-store';

export const VERSION = '0.1.0';

export interface CoreOptions {
  home: string;
  clock?: Clock;
  /** Lower scrypt cost: only for unit tests of the store; products use the default. */
  scryptCost?: ScryptCost;
  idleMs?: number;
}

export interface ExportProgressEvent {
  exportId: string;
  phase: 'events' | 'signing' | 'done';
  events: number;
  bytes: number;
}

export type CoreTopics = { audit: AuditEvent; exportProgress: ExportProgressEvent };

const BAD_CREDENTIALS = 'Wrong user name or password. Check both and try again.';

export class Core {
  readonly home: string;
  readonly clock: Clock;
  readonly bus = new Bus<CoreTopics>();
  readonly sessions: Sessions;
  readonly scryptCost: ScryptCost | undefined;
  private opened: Store | null = null;

  constructor(options: CoreOptions) {
    this.home = options.home;
    this.clock = options.clock ?? systemClock;
    this.scryptCost = options.scryptCost;
    this.sessions = new Sessions(options.idleMs ?? DEFAULT_IDLE_MS);
  }

  get isOpen(): boolean {
    return this.opened !== null;
  }

  get store(): Store {
    if (!this.opened) throw new ApiError('UNAUTHENTICATED', 'The store is locked. Sign in first.');
    return this.opened;
  }

  get users(): Users {
    return new Users(this.store.db);
  }

  isInitialised(): boolean {
    return Store.isInitialised(this.home);
  }

  // --- audit: the one way events are written ---

  /** Appends an event; call inside the transaction of the change it records. */
  record(e: NewEvent): AuditEvent[] {
    const events = appendEvent(this.store.db, this.store.workstationId, this.clock, e);
    // Subscribers hear about it after the surrounding transaction commits.
    queueMicrotask(() => {
      for (const ev of events) this.bus.emit('audit', ev);
    });
    return events;
  }

  /** Runs `fn` and records its event in one transaction: both happen or neither. */
  transact<T>(fn: () => T, e: NewEvent): T {
    return this.store.db.transaction(() => {
      const result = fn();
      this.record(e);
      return result;
    })();
  }

  // --- setup ---

  async init(adminName: string, password: string): Promise<{ workstationId: string; recoveryKey: string }> {
    if (this.opened) throw new ApiError('CONFLICT', 'A store is already open here.');
    const created = await Store.create(this.home, { slotName: adminName, password }, { scryptCost: this.scryptCost });
    this.attach(created.store);
    const now = this.clock.now().toISOString();
    this.store.db.transaction(() => {
      appendGenesis(this.store.db, this.store.workstationId, this.clock);
      this.users.insert({ name: adminName, slotId: created.slotId, roles: ['admin'], mustChangePassword: false, now });
      this.record({ actor: 'system', action: 'system.init', target: `user:${adminName}`, outcome: 'success', details: { admin: adminName } });
    })();
    await ensureIdentity(this.store.db, this.store.workstationId, created.keyring, this.clock.now());
    this.openSession(this.users.byName(adminName)!, created.keyring);
    return { workstationId: this.store.workstationId, recoveryKey: created.recoveryKey };
  }

  // --- sign-in ---

  private peekKeyslots() {
    const path = layoutOf(this.home).keyslots;
    if (!existsSync(path)) return null;
    return parseKeyslotFile(readFileSync(path, 'utf8'));
  }

  private pendingPath(): string {
    return layoutOf(this.home).pendingEvents;
  }

  async signIn(name: string, password: string): Promise<Session> {
    if (!this.isInitialised()) {
      throw new ApiError('NOT_FOUND', `No store in ${this.home}. Run "airgap-runner init --admin NAME" first, or restore a backup.`);
    }
    const file = this.peekKeyslots();
    const nameHash = file ? slotIdFor(file, name) : '';
    const nowMs = this.clock.now().getTime();
    const wait = throttleWaitMs(failureTimes(this.pendingPath(), nameHash), nowMs);
    if (wait > 0) {
      throw new ApiError('UNAUTHENTICATED', `Too many failed sign-ins for this name. Wait ${Math.ceil(wait / 1000)} s and try again.`);
    }
    let opened: { ring: Keyring; slotId: string } | null;
    if (this.opened) {
      opened = await this.opened.openSlot(name, password);
    } else {
      try {
        const result = await Store.unlock(this.home, name, password, { scryptCost: this.scryptCost });
        this.attach(result.store);
        opened = { ring: result.keyring, slotId: result.slotId! };
        this.ingestPending();
      } catch (error) {
        if (error instanceof ApiError && error.code === 'UNAUTHENTICATED' && file) {
          appendPending(this.pendingPath(), file.pendingEventsKey, { time: this.clock.now(), nameHash, name, reason: 'bad-credentials' });
        }
        throw error;
      }
    }
    const user = opened ? this.users.bySlot(opened.slotId) : undefined;
    if (!opened || !user) {
      if (file) appendPending(this.pendingPath(), file.pendingEventsKey, { time: this.clock.now(), nameHash, name, reason: 'bad-credentials' });
      this.ingestPending();
      throw new ApiError('UNAUTHENTICATED', BAD_CREDENTIALS);
    }
    this.record({ actor: `user:${user.name}`, action: 'auth.signIn', target: `user:${user.name}`, outcome: 'success', details: {} });
    // The pending file's lines are in the chain now; it only fed throttling until this success.
    clearPending(this.pendingPath());
    return this.openSession(user, opened.ring);
  }

  /** Takes failed sign-ins recorded while locked into the chain, marked `unauthenticated`. */
  private ingestPending(): void {
    const store = this.store;
    const { events, unreadable } = readPending(this.pendingPath(), store.pendingEventsPrivateKey(), store.pendingEventsKey);
    if (events.length === 0 && unreadable === 0) return;
    const lastId = store.getMeta('pending_last_id');
    const start = lastId ? events.findIndex((e) => e.id === lastId) + 1 : 0;
    store.db.transaction(() => {
      for (const e of events.slice(start)) {
        this.record({
          actor: 'unauthenticated',
          action: 'auth.signIn',
          target: `user:${e.name}`,
          outcome: 'failure',
          details: { reason: e.reason, recordedWhileLocked: true, attemptedAt: e.time },
        });
      }
      if (unreadable > 0) {
        this.record({ actor: 'system', action: 'auth.pendingUnreadable', target: null, outcome: 'failure', details: { lines: unreadable } });
      }
      const last = events[events.length - 1];
      if (last) store.setMeta('pending_last_id', last.id);
    })();
    // The chain now holds them; the file only feeds throttling until the next success.
  }

  openSession(user: UserRow, keyring: Keyring): Session {
    this.applySettings();
    return this.sessions.create(
      { userId: user.id, name: user.name, roles: user.roles, mustChangePassword: user.mustChangePassword, keyring },
      this.clock.now().getTime(),
    );
  }

  /** Settings that live objects of the core follow (idle expiry). Called after a change too. */
  applySettings(): void {
    const minutes = readSettings(this.store.db, IDENTITY_SETTINGS)['session.idleMinutes'];
    this.sessions.setIdleMs(minutes * 60 * 1000);
  }

  /** Opens the store with the recovery key (no session): for `recover` and `restore`. */
  async openWithRecovery(recoveryKey: string): Promise<Keyring> {
    if (this.opened) throw new ApiError('CONFLICT', 'The store is already open; sign out first.');
    const result = await Store.unlockWithRecovery(this.home, recoveryKey, { scryptCost: this.scryptCost });
    this.attach(result.store);
    this.ingestPending();
    return result.keyring;
  }

  adopt(store: Store): void {
    this.attach(store);
  }

  private attach(store: Store): void {
    for (const hook of ROTATION_HOOKS) store.onRotation(hook);
    this.opened = store;
  }

  close(): void {
    this.sessions.endAll();
    this.opened?.close();
    this.opened = null;
  }
}
