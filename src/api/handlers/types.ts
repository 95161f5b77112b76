import type { z } from 'zod';
import type { Contract, OpName } from '../contract';
import type { Core } from '../core';
import type { Session } from '../../identity/sessions';
import { ApiError } from '../../kernel';

export interface AuditNote {
  target?: string | null;
  details?: Record<string, unknown>;
}

export interface HandlerContext {
  core: Core;
  session: Session | null;
  actor: string;
  /** Runs a database change and its audit event in one transaction. */
  change<T>(fn: () => T, audit?: AuditNote): T;
  /** Records the success event inside a transaction the handler already opened. */
  recordSuccess(audit?: AuditNote): void;
  /** The handler's domain code already recorded this call's event in its own transaction. */
  markRecorded(): void;
}

export interface Handler<N extends OpName> {
  run(ctx: HandlerContext, input: z.output<Contract[N]['input']>): Promise<z.input<Contract[N]['output']>> | z.input<Contract[N]['output']>;
  /** The audit event's target, e.g. `user:alice`. */
  target?(input: z.output<Contract[N]['input']>): string | null;
  /** Audit details: an explicit allow-list of fields, never secrets. */
  details?(input: z.output<Contract[N]['input']>): Record<string, unknown>;
}

export type HandlerTable = { [N in OpName]: Handler<N> };

export function needSession(ctx: HandlerContext): Session {
  if (!ctx.session) throw new ApiError('UNAUTHENTICATED', 'Sign in first.');
  return ctx.session;
}
