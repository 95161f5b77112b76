/**
 * The one place where every call is validated, authorised and audited (ARCHITECTURE.md,
 * "one handler table"). IPC, the CLI and the browser test harness all come through here.
 */
import type { z } from 'zod';
import { ApiError, toErrorShape, type Result } from '../kernel';
import { contract, subscriptions, type OpName, type OpOutput, type SubEvent, type SubName } from './contract';
import { rolesAllow } from './permissions';
import type { Core } from './core';
import type { Session } from '../identity';
import { handlers } from './handlers';
import type { HandlerContext, ReadHandlerContext } from './handlers/types';
import { subscriptionHandlers } from './handlers/subscriptions';

/** Operations a user who must change their password may still call. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set<OpName>(['auth.changePassword', 'auth.signOut', 'auth.whoami', 'system.status']);

/** Operations a user whose role requires TOTP may call before enrolling (docs/identity.md, "Offline TOTP"). */
const ALLOWED_BEFORE_TOTP_ENROLMENT = new Set<OpName>([
  'auth.totp.status',
  'auth.totp.enrolBegin',
  'auth.totp.enrolConfirm',
  'auth.signOut',
  'auth.whoami',
  'system.status',
]);

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

function resolveSession(core: Core, sessionId: string | null): Session | null {
  if (!sessionId) return null;
  const s = core.sessions.touch(sessionId, core.clock.now().getTime());
  if (!s) throw new ApiError('UNAUTHENTICATED', 'Your session has ended (signed out or idle too long). Sign in again.');
  return s;
}

export async function dispatch<N extends OpName>(core: Core, sessionId: string | null, name: N, rawInput: unknown): Promise<OpOutput<N>> {
  const spec = contract[name];
  const handler = handlers[name];
  if (!spec || !handler) throw new ApiError('NOT_FOUND', `There is no operation named "${String(name)}".`);
  // A crashed holder's leftovers found when the store was opened are cleaned before anything reads it.
  await core.swept();
  const session = resolveSession(core, sessionId);
  const actor = session ? `user:${session.name}` : 'unauthenticated';

  // Every refusal leaves an event (ARCHITECTURE.md, "Audit trail"): each one for a change, once per
  // session and operation for a read, and always for tampering (VERIFY_FAILED names what was altered).
  const recordRefusal = (outcome: 'denied' | 'failure', error: ApiError, target: string | null) => {
    if (!core.isOpen) return;
    const tampered = error.code === 'VERIFY_FAILED';
    if (!spec.mutates && !tampered) {
      const flag = `refused:${String(name)}`;
      if (!session || session.flags.has(flag)) return;
      session.flags.add(flag);
    }
    const details: Record<string, unknown> = { error: error.code };
    if (tampered) details.message = error.message;
    try {
      core.store.db.transaction(() => core.record({ actor, action: name, target, outcome, details }))();
    } catch {
      // The refusal itself still reaches the caller; a store that cannot record is reported by its own error.
    }
  };

  if (spec.access !== 'public') {
    if (!session) throw new ApiError('UNAUTHENTICATED', 'Sign in first.');
    if (session.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(name)) {
      const error = new ApiError('FORBIDDEN', 'You must change your password before doing anything else.');
      recordRefusal('denied', error, null);
      throw error;
    }
    if (session.mustEnrolTotp && !ALLOWED_BEFORE_TOTP_ENROLMENT.has(name)) {
      const error = new ApiError(
        'FORBIDDEN',
        'Your role requires a code from an authenticator app: set one up first (My account, or the command line).',
      );
      recordRefusal('denied', error, null);
      throw error;
    }
    if (!rolesAllow(session.roles, spec.access)) {
      const error = new ApiError(
        'FORBIDDEN',
        `Your roles (${session.roles.join(', ')}) do not allow "${String(name)}". Ask an admin for a role that does.`,
      );
      recordRefusal('denied', error, null);
      throw error;
    }
    // A store upgraded from before the admin key: until an admin signs in (which seals today's
    // authorization state), nothing beyond what every signed-in user may do is allowed.
    if (spec.access !== 'signedIn' && core.isOpen && !core.store.sealed) {
      const error = new ApiError(
        'FORBIDDEN',
        `This store was made by an earlier version and its authorization state is not sealed with the admin key yet, so "${String(name)}" is refused. An admin signs in once to seal it (or an admin opens the store with the recovery key); reading works meanwhile.`,
        { next: 'recover' },
      );
      recordRefusal('denied', error, null);
      throw error;
    }
  }

  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const error = new ApiError('INVALID_INPUT', `Invalid input for ${String(name)}: ${describeZodError(parsed.error)}.`);
    recordRefusal('failure', error, null);
    throw error;
  }
  const input = parsed.data as never;
  const target = handler.target ? handler.target(input) : null;

  let recorded = false;
  const ctx: HandlerContext = {
    core,
    get db() {
      return core.db;
    },
    session,
    actor,
    change: (fn, audit) => {
      if (!spec.mutates) throw new Error(`${String(name)} is declared read-only but tried to change state`);
      const result = core.transact(fn, {
        actor,
        action: name,
        target: audit?.target ?? target,
        outcome: 'success',
        details: audit?.details ?? handler.details?.(input) ?? {},
      });
      recorded = true;
      return result;
    },
    recordSuccess: (audit) => {
      core.record({
        actor,
        action: name,
        target: audit?.target ?? target,
        outcome: 'success',
        details: audit?.details ?? handler.details?.(input) ?? {},
      });
      recorded = true;
    },
    markRecorded: () => {
      recorded = true;
    },
  };

  // A read handler gets the core and its database typed read-only (handlers/types.ts).
  const readCtx: ReadHandlerContext = {
    core,
    get db() {
      return core.db;
    },
    session,
    actor,
  };
  const writes = spec.mutates || handler.kind === 'write';
  let output: unknown;
  try {
    output = await (writes
      ? (handler.run as (c: HandlerContext, i: never) => unknown)(ctx, input)
      : (handler.run as (c: ReadHandlerContext, i: never) => unknown)(readCtx, input));
  } catch (error) {
    const shaped = error instanceof ApiError ? error : new ApiError('INTERNAL', toErrorShape(error).message, { cause: error });
    if (!recorded) recordRefusal('failure', shaped, target);
    throw shaped;
  }

  if (spec.mutates && !recorded && core.isOpen) {
    core.store.db.transaction(() => ctx.recordSuccess())();
  }
  if (!spec.mutates && spec.auditRead && session && core.isOpen) {
    const flag = `audited:${String(name)}`;
    if (spec.auditRead === 'always' || !session.flags.has(flag)) {
      session.flags.add(flag);
      core.store.db.transaction(() =>
        core.record({ actor, action: name, target, outcome: 'success', details: handler.details?.(input) ?? {} }),
      )();
    }
  }
  const checked = spec.output.safeParse(output);
  if (!checked.success) throw new ApiError('INTERNAL', `The core produced an invalid result for ${String(name)}; this is a bug.`);
  return checked.data as OpOutput<N>;
}

/** The boundary form: never throws, errors are `{ code, message }`. */
export async function call<N extends OpName>(core: Core, sessionId: string | null, name: N, input: unknown): Promise<Result<OpOutput<N>>> {
  try {
    return { ok: true, value: await dispatch(core, sessionId, name, input) };
  } catch (error) {
    return { ok: false, error: toErrorShape(error) };
  }
}

export function subscribe<N extends SubName>(
  core: Core,
  sessionId: string | null,
  name: N,
  rawInput: unknown,
  listener: (event: SubEvent<N>) => void,
): () => void {
  const spec = subscriptions[name];
  if (!spec) throw new ApiError('NOT_FOUND', `There is no subscription named "${String(name)}".`);
  const session = resolveSession(core, sessionId);
  if (spec.access !== 'public') {
    if (!session) throw new ApiError('UNAUTHENTICATED', 'Sign in first.');
    if (!rolesAllow(session.roles, spec.access))
      throw new ApiError('FORBIDDEN', `Your roles do not allow subscribing to "${String(name)}".`);
  }
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) throw new ApiError('INVALID_INPUT', `Invalid input for ${String(name)}: ${describeZodError(parsed.error)}.`);
  const sid = session?.id;
  return subscriptionHandlers[name](
    core,
    parsed.data as never,
    (event) => {
      // A session that ended stops receiving, even if the transport forgot to unsubscribe.
      if (sid && !core.sessions.isLive(sid, core.clock.now().getTime())) return;
      const checked = spec.event.safeParse(event);
      if (checked.success) listener(checked.data as SubEvent<N>);
    },
    session,
  );
}
