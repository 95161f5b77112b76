import type { z } from 'zod';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../../kernel';
import type { Session } from '../../identity';
import { adminSigner, type Signer } from '../../store';
import type { Contract, OpName } from '../contract';
import type { Core, ReadCore } from '../core';

export interface AuditNote {
  target?: string | null;
  details?: Record<string, unknown>;
}

interface CallContext {
  session: Session | null;
  actor: string;
}

/**
 * What the handler of an operation that does not change state gets: the core and its database
 * typed read-only (ReadonlyDb: no run, exec, transaction or pragma) and no way to record. A write
 * from a read handler does not compile.
 */
export interface ReadHandlerContext extends CallContext {
  core: ReadCore;
  db: ReadonlyDb;
}

/** What the handler of an operation that changes state gets: the whole core and the audit record of the change. */
export interface HandlerContext extends CallContext {
  core: Core;
  db: Database;
  /** Runs a database change and its audit event in one transaction. */
  change<T>(fn: () => T, audit?: AuditNote): T;
  /** Records the success event inside a transaction the handler already opened. */
  recordSuccess(audit?: AuditNote): void;
  /** The handler's domain code already recorded this call's event in its own transaction. */
  markRecorded(): void;
}

type Input<N extends OpName> = z.output<Contract[N]['input']>;
type Output<N extends OpName> = z.input<Contract[N]['output']>;

interface HandlerParts<N extends OpName> {
  /** The audit event's target, e.g. `user:alice`. */
  target?(input: Input<N>): string | null;
  /** Audit details: an explicit allow-list of fields, never secrets. */
  details?(input: Input<N>): Record<string, unknown>;
}

interface ReadHandler<N extends OpName> extends HandlerParts<N> {
  kind?: 'read';
  run(ctx: ReadHandlerContext, input: Input<N>): Promise<Output<N>> | Output<N>;
}

interface WriteHandler<N extends OpName> extends HandlerParts<N> {
  kind: 'write';
  run(ctx: HandlerContext, input: Input<N>): Promise<Output<N>> | Output<N>;
}

/**
 * The handler of an operation: one that changes state (`mutates` in the contract) writes; any
 * other reads, unless it says `kind: 'write'` (sign-in opens the store, sign-out ends a session,
 * a backup copies the database file): the exception is written where the reviewer sees it.
 */
export type Handler<N extends OpName> = Contract[N]['mutates'] extends true
  ? Omit<WriteHandler<N>, 'kind'> & { kind?: 'write' }
  : ReadHandler<N> | WriteHandler<N>;

export type HandlerTable = { [N in OpName]: Handler<N> };

export function needSession(ctx: CallContext): Session {
  if (!ctx.session) throw new ApiError('UNAUTHENTICATED', 'Sign in first.');
  return ctx.session;
}

/**
 * The admin key of the caller's session, to re-sign authorization state after an admin's change
 * (src/store/seals.ts). Permissions already said "admin"; this refuses a session whose slot does not
 * hold the key (granted the role but not yet its keys), rather than leaving state unsigned.
 */
export function needSigner(ctx: CallContext): Signer {
  const session = needSession(ctx);
  if (!session.keyring.admin) {
    throw new ApiError(
      'FORBIDDEN',
      'Your session does not hold the admin key, which signs this change. Sign out and in again; if that does not help, ask another admin to grant your keys.',
    );
  }
  return adminSigner(session.keyring.admin);
}
