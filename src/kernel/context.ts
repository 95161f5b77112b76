/**
 * CoreContext: the small part of the core that domains use. The composition root (src/api/core.ts)
 * implements it; domains take it (or a narrower part) in their constructors instead of importing
 * the core, so the dependencies point one way and a test can hand a domain a context of its own.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { Clock } from './clock';
import type { SettingsBlock, SettingsOf } from './settings';

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** An event for the audit chain, as a change records it (the chain adds time, sequence and hashes). */
export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  details?: Record<string, unknown> | null;
  /** Overrides the wall time (events taken in from the pending file keep their own time). */
  time?: Date;
}

export interface CoreContext {
  /** The home folder (store, lease, staging, run folders). */
  readonly home: string;
  readonly clock: Clock;
  /** The open store's database; refused with UNAUTHENTICATED while the store is locked. */
  readonly db: Database;
  readonly workstationId: string;
  /** Appends an audit event; call inside the transaction of the change it records. */
  record(event: AuditRecord): void;
  /** Runs `fn` and records its event in one transaction: both happen or neither. */
  transact<T>(fn: () => T, event: AuditRecord): T;
  /** A domain's settings block, read fresh from the store. */
  settings<B extends SettingsBlock>(block: B): SettingsOf<B>;
}

/** Typed publishing on the core's one bus; a domain is given only the topics it publishes. */
export interface Publisher<Topics extends Record<string, unknown>> {
  emit<K extends keyof Topics>(topic: K, event: Topics[K]): void;
}
