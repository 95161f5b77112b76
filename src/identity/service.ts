/**
 * Opening the store and signing in (ARCHITECTURE.md, "Identity"): `init` makes a new store and its
 * first admin, `signIn` unlocks the store (or checks a password against an open one) with
 * throttling, `openWithRecovery` opens it with the recovery key, and failed sign-ins recorded while
 * the store was locked are taken into the audit chain at the next unlock. The core builds one and
 * keeps the store it opens; the audit chain's start is handed in, since audit sits above identity.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ApiError, type AuditRecord, type Clock } from '../kernel';
import { Store, adminSigner, layoutOf, parseKeyslotFile, readSettings, slotIdFor, type Keyring, type ScryptCost } from '../store';
import { appendPending, failureTimes, forgetPendingFor, readPending, throttleWaitMs } from './pending';
import { Sessions, DEFAULT_IDLE_MS, type Session } from './sessions';
import { IDENTITY_SETTINGS } from './settings';
import { Users, type UserRow } from './users';
import { passSecondFactor } from './totp-gate';

const BAD_CREDENTIALS = 'Wrong user name or password. Check both and try again.';

/** The core's hold on the open store: this service opens it, the core keeps (and closes) it. */
export interface StoreHolder {
  current(): Store | null;
  attach(store: Store): void;
}

/** The start of a new store's audit chain, given by the composition root. */
export interface ChainStart {
  /** The chain's first event, inside init's transaction. */
  genesis(store: Store): void;
  /** The workstation's audit signing identity, made once the store exists. */
  signingIdentity(store: Store, keyring: Keyring, now: Date): Promise<void>;
}

export interface IdentityServiceOptions {
  home: string;
  clock: Clock;
  /** Lower scrypt cost: only for unit tests of the store; products use the default. */
  scryptCost?: ScryptCost | undefined;
  idleMs?: number | undefined;
  holder: StoreHolder;
  /** The core's audit append (inside the caller's transaction). */
  record(event: AuditRecord): void;
  chain: ChainStart;
}

export class IdentityService {
  readonly sessions: Sessions;

  constructor(private readonly options: IdentityServiceOptions) {
    this.sessions = new Sessions(options.idleMs ?? DEFAULT_IDLE_MS);
  }

  private get store(): Store {
    const store = this.options.holder.current();
    if (!store) throw new ApiError('UNAUTHENTICATED', 'The store is locked. Sign in first.');
    return store;
  }

  get users(): Users {
    return new Users(this.store.db);
  }

  isInitialised(): boolean {
    return Store.isInitialised(this.options.home);
  }

  async init(adminName: string, password: string): Promise<{ workstationId: string; recoveryKey: string }> {
    const { home, clock, scryptCost, holder, chain } = this.options;
    if (holder.current()) throw new ApiError('CONFLICT', 'A store is already open here.');
    const created = await Store.create(home, { slotName: adminName, password }, { scryptCost });
    holder.attach(created.store);
    const store = created.store;
    const now = clock.now().toISOString();
    const signer = adminSigner(created.keyring.admin!);
    store.db.transaction(() => {
      chain.genesis(store);
      // Everything that decides who may do what is signed with the admin key from the start.
      store.resealAll(signer);
      this.users.insert({ name: adminName, slotId: created.slotId, roles: ['admin'], mustChangePassword: false, now }, signer);
      this.options.record({
        actor: 'system',
        action: 'system.init',
        target: `user:${adminName}`,
        outcome: 'success',
        details: { admin: adminName },
      });
    })();
    await chain.signingIdentity(store, created.keyring, clock.now());
    this.openSession(this.users.byName(adminName)!, created.keyring);
    return { workstationId: store.workstationId, recoveryKey: created.recoveryKey };
  }

  private peekKeyslots() {
    const path = layoutOf(this.options.home).keyslots;
    if (!existsSync(path)) return null;
    return parseKeyslotFile(readFileSync(path, 'utf8'));
  }

  private pendingPath(): string {
    return layoutOf(this.options.home).pendingEvents;
  }

  async signIn(name: string, password: string, totpCode?: string): Promise<Session> {
    const { user, ring } = await this.authenticate(name, password);
    return this.finishLocalSignIn(user, ring, name, totpCode);
  }

  /**
   * After the password, where no IdP or directory takes part: the offline TOTP step (totp-gate.ts),
   * then the session. A refused code counts as a failed sign-in for this name.
   */
  finishLocalSignIn(user: UserRow, ring: Keyring, name: string, totpCode?: string): Session {
    const { clock } = this.options;
    const file = this.peekKeyslots();
    const nameHash = file ? slotIdFor(file, name) : '';
    const second = passSecondFactor({
      db: this.store.db,
      user,
      dataKey: ring.data,
      code: totpCode,
      nowMs: clock.now().getTime(),
      record: (event) => this.options.record(event),
      refused: (reason) => {
        if (file) appendPending(this.pendingPath(), file.pendingEventsKey, { time: clock.now(), nameHash, name, reason });
        this.ingestPending();
      },
    });
    const session = this.completeSignIn(user, ring, second.via === 'none' ? {} : { secondFactor: second.via });
    session.mustEnrolTotp = second.enrolDue;
    return session;
  }

  /**
   * The password step of a sign-in: opens the user's keyslot (and the store, when locked), with
   * throttling; no session yet. The policy may ask for more (docs/identity.md) before completeSignIn.
   */
  async authenticate(name: string, password: string): Promise<{ user: UserRow; ring: Keyring }> {
    const { home, clock, scryptCost, holder } = this.options;
    if (!this.isInitialised()) {
      throw new ApiError('NOT_FOUND', `No store in ${home}. Create one first, or restore a backup.`, { next: 'init' });
    }
    const file = this.peekKeyslots();
    const nameHash = file ? slotIdFor(file, name) : '';
    const wait = throttleWaitMs(failureTimes(this.pendingPath(), nameHash), clock.now().getTime());
    if (wait > 0) {
      throw new ApiError('UNAUTHENTICATED', `Too many failed sign-ins for this name. Wait ${Math.ceil(wait / 1000)} s and try again.`);
    }
    let opened: { ring: Keyring; slotId: string } | null;
    const open = holder.current();
    if (open) {
      opened = await open.openSlot(name, password);
    } else {
      try {
        const result = await Store.unlock(home, name, password, { scryptCost });
        holder.attach(result.store);
        opened = { ring: result.keyring, slotId: result.slotId! };
        this.ingestPending();
      } catch (error) {
        if (error instanceof ApiError && error.code === 'UNAUTHENTICATED' && file) {
          appendPending(this.pendingPath(), file.pendingEventsKey, { time: clock.now(), nameHash, name, reason: 'bad-credentials' });
        }
        throw error;
      }
    }
    const user = opened ? this.users.bySlot(opened.slotId) : undefined;
    if (!opened || !user) {
      if (file) appendPending(this.pendingPath(), file.pendingEventsKey, { time: clock.now(), nameHash, name, reason: 'bad-credentials' });
      this.ingestPending();
      throw new ApiError('UNAUTHENTICATED', BAD_CREDENTIALS);
    }
    if (!this.store.sealed && user.roles.includes('admin')) await this.sealLegacyStore(user.name, password, opened.ring);
    // Settings a session follows are authorization state too: a tampered table refuses the sign-in here.
    this.applySettings();
    return { user, ring: opened.ring };
  }

  /** Records the sign-in (with what the further steps add) and opens the session. */
  completeSignIn(user: UserRow, ring: Keyring, details: Record<string, unknown>): Session {
    const store = this.store;
    this.options.record({
      actor: `user:${user.name}`,
      action: 'auth.signIn',
      target: `user:${user.name}`,
      outcome: 'success',
      details,
    });
    // The pending file's lines are in the chain now; this name's failures stop counting, others' still do.
    const file = this.peekKeyslots();
    const lastKept = forgetPendingFor(this.pendingPath(), file ? slotIdFor(file, user.name) : '');
    store.setMeta('pending_last_id', lastKept ?? '');
    return this.openSession(user, ring);
  }

  /**
   * A store made before the admin key (issue 13's migration): the first admin who signs in makes the
   * admin key, grants it to every admin's slot and the recovery slot, and signs today's state with it.
   */
  private async sealLegacyStore(name: string, password: string, ring: Keyring): Promise<void> {
    const store = this.store;
    const admins = this.users.list().filter((u) => u.roles.includes('admin'));
    await store.seal(
      ring,
      admins.map((u) => u.slotId),
      { slotName: name, password },
    );
    store.db.transaction(() =>
      this.options.record({
        actor: `user:${name}`,
        action: 'system.sealAuthorization',
        target: null,
        outcome: 'success',
        details: { admins: admins.map((u) => u.name) },
      }),
    )();
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
        this.options.record({
          actor: 'unauthenticated',
          action: 'auth.signIn',
          target: `user:${e.name}`,
          outcome: 'failure',
          details: { reason: e.reason, recordedWhileLocked: true, attemptedAt: e.time },
        });
      }
      if (unreadable > 0) {
        this.options.record({
          actor: 'system',
          action: 'auth.pendingUnreadable',
          target: null,
          outcome: 'failure',
          details: { lines: unreadable },
        });
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
      this.options.clock.now().getTime(),
    );
  }

  /** Settings that live sessions follow (idle expiry). Called after a change too. */
  applySettings(): void {
    const minutes = readSettings(this.store.db, IDENTITY_SETTINGS)['session.idleMinutes'];
    this.sessions.setIdleMs(minutes * 60 * 1000);
  }

  /** Opens the store with the recovery key (no session): for `recover` and `restore`. */
  async openWithRecovery(recoveryKey: string): Promise<Keyring> {
    const { home, scryptCost, holder } = this.options;
    if (holder.current()) throw new ApiError('CONFLICT', 'The store is already open; sign out first.');
    const result = await Store.unlockWithRecovery(home, recoveryKey, { scryptCost });
    holder.attach(result.store);
    this.ingestPending();
    return result.keyring;
  }
}
