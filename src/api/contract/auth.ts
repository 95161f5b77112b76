/** Operations: auth. */
import { z } from 'zod';
import { op } from './define';
import { empty, newPassword, ok, password, userInfo, userName } from './schemas';
import { totpCode } from './totp';

export const authOps = {
  'auth.signIn': op({
    summary: 'Sign in with a user name and password, and a TOTP code when the account has one (docs/identity.md).',
    access: 'public',
    mutates: false,
    secretFields: ['password', 'totpCode'],
    input: z.object({ name: userName, password, totpCode: totpCode.optional() }).strict(),
    output: z.object({ sessionId: z.string(), user: userInfo, permissions: z.array(z.string()), mustEnrolTotp: z.boolean().optional() }),
  }),
  'auth.signOut': op({
    summary: 'End this session.',
    access: 'signedIn',
    mutates: false,
    auditRead: 'always',
    input: empty,
    output: ok,
  }),
  'auth.whoami': op({
    summary: 'The signed-in user, roles and permissions.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({
      user: userInfo,
      permissions: z.array(z.string()),
      workstationId: z.string(),
      mustEnrolTotp: z.boolean().optional(),
    }),
  }),
  'auth.changePassword': op({
    summary:
      'Change your own password. Rotates the vault key (if you hold it) so an old keyslot copy with the old password opens no current secret; rotateAll rotates every key (admins only).',
    access: 'signedIn',
    mutates: true,
    secretFields: ['currentPassword', 'newPassword'],
    input: z.object({ currentPassword: password, newPassword, rotateAll: z.boolean().optional() }).strict(),
    output: ok,
  }),
} as const;
