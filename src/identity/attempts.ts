/**
 * Sign-ins half done (docs/identity.md): the local password opened the user's keyslot, and the
 * policy asks for the IdP or the directory too before a session exists. The opened keys wait here,
 * in this process's memory only, for at most `ttlMs`; an attempt is taken once, and an expired or
 * abandoned one has its keys wiped.
 */
import { randomBytes } from 'node:crypto';
import { wipeKeyring, type Keyring } from '../store';
import type { UserRow } from './users';

export interface SignInAttempt {
  id: string;
  user: UserRow;
  ring: Keyring;
  step: 'idp' | 'ldap';
  createdAtMs: number;
  /** The AuthnRequest this attempt sent (IdP step), once begun. */
  requestId?: string;
  /** The SAMLResponse the ACS listener will get. */
  response?: Promise<string>;
  /** Stops the ACS listener of this attempt. */
  cancel?: () => void;
}

export const ATTEMPT_TTL_MS = 10 * 60_000;

export class SignInAttempts {
  private readonly attempts = new Map<string, SignInAttempt>();

  constructor(private readonly ttlMs = ATTEMPT_TTL_MS) {}

  private sweep(nowMs: number): void {
    for (const a of this.attempts.values()) if (a.createdAtMs + this.ttlMs < nowMs) this.drop(a);
  }

  private drop(a: SignInAttempt): void {
    this.attempts.delete(a.id);
    a.cancel?.();
    wipeKeyring(a.ring);
  }

  create(user: UserRow, ring: Keyring, step: 'idp' | 'ldap', nowMs: number): SignInAttempt {
    this.sweep(nowMs);
    // One attempt per user at a time: a new password sign-in replaces the older one.
    for (const a of this.attempts.values()) if (a.user.id === user.id) this.drop(a);
    const attempt: SignInAttempt = { id: randomBytes(24).toString('base64url'), user, ring, step, createdAtMs: nowMs };
    this.attempts.set(attempt.id, attempt);
    return attempt;
  }

  /** The attempt, still held (the IdP step looks at it before its answer comes). */
  peek(id: string, step: 'idp' | 'ldap', nowMs: number): SignInAttempt | null {
    this.sweep(nowMs);
    const a = this.attempts.get(id);
    return a && a.step === step ? a : null;
  }

  /** Takes the attempt out: it cannot be completed twice. The caller owns (and wipes) its keys. */
  take(id: string): SignInAttempt | null {
    const a = this.attempts.get(id);
    if (!a) return null;
    this.attempts.delete(id);
    a.cancel?.();
    return a;
  }

  /** Ends an attempt and wipes its keys. */
  abandon(id: string): void {
    const a = this.attempts.get(id);
    if (a) this.drop(a);
  }

  clear(): void {
    for (const a of [...this.attempts.values()]) this.drop(a);
  }
}
