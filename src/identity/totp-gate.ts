/**
 * The second step of a sign-in (docs/identity.md, "Offline TOTP"), after the password opened the
 * user's keyslot: an enrolled user must give a code (or a recovery code); a user whose role
 * requires TOTP but who has not enrolled yet gets a session that may only enrol (enrolment due).
 * A wrong or reused code is a failed sign-in like a wrong password: the caller writes it to the
 * pending-events file, so throttling counts it across processes, and takes it into the chain.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type AuditRecord } from '../kernel';
import { TOTP_CODE_REQUIRED } from './model';
import type { Role } from './roles';
import { TotpEnrolments } from './totp';
import { TotpRequirements } from './totp-requirements';

export const BAD_TOTP_CODE =
  'That code was not accepted: it is wrong, already used, or from another time. Enter the code your authenticator shows now (each code works once), or a recovery code.';

export interface SecondFactorInput {
  db: Database;
  user: { id: number; name: string; roles: readonly Role[] };
  dataKey: Buffer;
  code: string | undefined;
  nowMs: number;
  record(event: AuditRecord): void;
  /** A refused code: the caller records it as a failed sign-in (pending file, then the chain). */
  refused(reason: string): void;
}

export interface SecondFactor {
  /** The role requires TOTP and the user has not enrolled: the session may only enrol. */
  enrolDue: boolean;
  via: 'none' | 'code' | 'recovery';
}

export function passSecondFactor(input: SecondFactorInput): SecondFactor {
  const { db, user } = input;
  // The requirement is sealed authorization state: a tampered table refuses the sign-in here.
  const required = new TotpRequirements(db).requiredFor(user.roles);
  const enrolments = new TotpEnrolments(db);
  if (!enrolments.isEnrolled(user.id)) return { enrolDue: required, via: 'none' };
  const code = input.code?.trim();
  if (!code) throw new ApiError('UNAUTHENTICATED', TOTP_CODE_REQUIRED);
  const result = db.transaction(() => {
    const checked = enrolments.check(user.id, code, input.dataKey, input.nowMs);
    if (checked.ok && checked.via === 'recovery') {
      input.record({
        actor: `user:${user.name}`,
        action: 'auth.totp.recoveryCodeUsed',
        target: `user:${user.name}`,
        outcome: 'success',
        details: { recoveryCodesLeft: enrolments.status(user.id).recoveryCodesLeft },
      });
    }
    return checked;
  })();
  if (!result.ok) {
    input.refused(result.reason);
    throw new ApiError('UNAUTHENTICATED', BAD_TOTP_CODE);
  }
  return { enrolDue: false, via: result.via };
}
