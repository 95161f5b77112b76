/** Sessions of a long-lived process (the desktop core); the CLI makes one per command. */
import { randomUUID } from 'node:crypto';
import { type Keyring, wipeKeyring } from '../store';
import type { Role } from './roles';

export interface Session {
  readonly id: string;
  readonly userId: number;
  readonly name: string;
  roles: Role[];
  mustChangePassword: boolean;
  /** A role requires TOTP and this user has not enrolled: the session may only enrol (docs/identity.md). */
  mustEnrolTotp?: boolean;
  /** Keys this user's slot unwrapped. Never serialised, never sent to a renderer. */
  readonly keyring: Keyring;
  lastActive: number;
  /** Per-session flags, e.g. "audit browsing already recorded". */
  readonly flags: Set<string>;
}

export const DEFAULT_IDLE_MS = 15 * 60 * 1000;

export class Sessions {
  private readonly byId = new Map<string, Session>();
  /** Sessions that never go idle: the service's unseal session, which holds its keys until it is locked. */
  private readonly pinned = new Set<string>();

  constructor(private idleMs: number = DEFAULT_IDLE_MS) {}

  /** From the `session.idleMinutes` setting; applies to live sessions at once. */
  setIdleMs(ms: number): void {
    this.idleMs = ms;
  }

  create(u: { userId: number; name: string; roles: Role[]; mustChangePassword: boolean; keyring: Keyring }, nowMs: number): Session {
    const session: Session = { id: randomUUID(), ...u, lastActive: nowMs, flags: new Set() };
    Object.defineProperty(session, 'keyring', { enumerable: false });
    this.byId.set(session.id, session);
    return session;
  }

  /** Returns the live session and marks activity; an idle one is ended and wiped. */
  touch(id: string, nowMs: number): Session | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (nowMs - s.lastActive > this.idleMs && !this.pinned.has(id)) {
      this.end(id);
      return undefined;
    }
    s.lastActive = nowMs;
    return s;
  }

  /** Whether a session is live, without counting as activity. */
  isLive(id: string, nowMs: number): boolean {
    const s = this.byId.get(id);
    return !!s && (nowMs - s.lastActive <= this.idleMs || this.pinned.has(id));
  }

  /** Exempts a session from idle expiry (it still ends on sign-out, lock and close). */
  pin(id: string): void {
    if (this.byId.has(id)) this.pinned.add(id);
  }

  end(id: string): void {
    const s = this.byId.get(id);
    if (s) wipeKeyring(s.keyring);
    this.byId.delete(id);
    this.pinned.delete(id);
  }

  endForUser(userId: number): void {
    for (const s of [...this.byId.values()]) if (s.userId === userId) this.end(s.id);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }

  endAll(): void {
    for (const id of [...this.byId.keys()]) this.end(id);
  }
}
