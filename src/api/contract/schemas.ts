/** Schemas shared by several operations. */
import { z } from 'zod';
import { ROLES } from '../../identity/model';

export const empty = z.object({}).strict();
export const ok = z.object({ ok: z.literal(true) });

export const userName = z
  .string()
  .min(1, 'a user name is required')
  .max(64, 'a user name has at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash and underscore, starting with a letter or digit');

export const MIN_PASSWORD_LENGTH = 12;
export const password = z.string().max(1024, 'a password has at most 1024 characters');
export const newPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `a password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, 'a password has at most 1024 characters');

export const role = z.enum(ROLES);
export const roles = z.array(role).min(1, 'give at least one role').max(ROLES.length);

export const userInfo = z.object({
  name: z.string(),
  roles: z.array(role),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
});

export const filePath = z.string().min(1, 'a file path is required').max(4096);

export const auditEvent = z.object({
  seq: z.number().int(),
  time: z.string(),
  mono: z.number().int(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'denied', 'failure']),
  details: z.unknown(),
  detailsHash: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
