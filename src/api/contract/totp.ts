/** Operations: offline TOTP (docs/identity.md, "Offline TOTP"). */
import { z } from 'zod';
import { op } from './define';
import { empty, ok, password, role, userName } from './schemas';

export { TOTP_CODE_REQUIRED, isTotpChallenge } from '../../identity/model';

/** A TOTP code (6 digits) or a recovery code (xxxxx-xxxxx); spaces are ignored. */
export const totpCode = z.string().min(1, 'enter the code').max(64, 'a code has at most 64 characters');

const requirements = z.object({ roles: z.array(role) });

export const totpOps = {
  'auth.totp.status': op({
    summary: 'Whether you have enrolled TOTP, how many recovery codes are left, and whether your roles require it.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({
      enrolled: z.boolean(),
      pending: z.boolean(),
      recoveryCodesLeft: z.number().int(),
      enrolledAt: z.string().nullable(),
      required: z.boolean(),
      mustEnrol: z.boolean(),
    }),
  }),
  'auth.totp.enrolBegin': op({
    summary:
      'Start enrolling an authenticator app: returns a new secret and its otpauth URI, shown once. Your current enrolment stays until you confirm the new one.',
    access: 'signedIn',
    mutates: true,
    input: empty,
    output: z.object({ secret: z.string(), uri: z.string() }),
  }),
  'auth.totp.enrolConfirm': op({
    summary: 'Confirm the enrolment with a code from the app; returns ten one-time recovery codes, shown once.',
    access: 'signedIn',
    mutates: true,
    secretFields: ['code'],
    input: z.object({ code: totpCode }).strict(),
    output: z.object({ recoveryCodes: z.array(z.string()) }),
  }),
  'auth.totp.disable': op({
    summary: 'Remove your own TOTP enrolment and recovery codes (refused while one of your roles requires TOTP).',
    access: 'signedIn',
    mutates: true,
    secretFields: ['currentPassword'],
    input: z.object({ currentPassword: password }).strict(),
    output: ok,
  }),
  'auth.totp.reset': op({
    summary: "Remove another user's TOTP enrolment (a lost device); they enrol again at the next sign-in if their role requires it.",
    access: 'users.manage',
    mutates: true,
    input: z.object({ name: userName }).strict(),
    output: ok,
  }),
  'auth.totp.requirements': op({
    summary: 'The roles whose users must give a TOTP code at sign-in.',
    access: 'users.manage',
    mutates: false,
    input: empty,
    output: requirements,
  }),
  'auth.totp.require': op({
    summary: 'Require TOTP for a role, or stop requiring it. Users of the role who have not enrolled enrol at their next sign-in.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ role, required: z.boolean() }).strict(),
    output: requirements,
  }),
} as const;
