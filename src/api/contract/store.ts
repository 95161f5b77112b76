/** Operations: store. */
import { z } from 'zod';
import { op } from './define';
import { empty, filePath, newPassword, password, userName } from './schemas';

export const storeOps = {
  'store.check': op({
    summary: 'Check the database pages, the keyslot file and the audit chain.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({
      ok: z.boolean(),
      database: z.string(),
      keyslots: z.string(),
      chain: z.string(),
      schemaVersion: z.number().int(),
      generation: z.number().int(),
    }),
  }),
  'store.backup': op({
    summary: 'Write an encrypted backup of the database and keyslots to one file.',
    access: 'backup.manage',
    mutates: false,
    auditRead: 'always',
    input: z.object({ outPath: filePath }).strict(),
    output: z.object({ path: z.string(), bytes: z.number().int(), sha256: z.string() }),
  }),
  'store.restore': op({
    summary: 'Restore a backup into an empty home, opened with a password or the recovery key.',
    access: 'public',
    mutates: true,
    secretFields: ['password', 'recoveryKey'],
    input: z
      .object({ file: filePath, name: userName.optional(), password: password.optional(), recoveryKey: z.string().max(200).optional() })
      .strict()
      .refine((v) => (v.name !== undefined && v.password !== undefined) || v.recoveryKey !== undefined, {
        message: 'give a user name and password, or the recovery key',
      }),
    output: z.object({ workstationId: z.string(), users: z.number().int() }),
  }),
  'store.recover': op({
    summary: 'Open the store with the recovery key and set a new admin password (the admin is created if missing).',
    access: 'public',
    mutates: true,
    secretFields: ['recoveryKey', 'newPassword'],
    input: z.object({ recoveryKey: z.string().min(1).max(200), adminName: userName, newPassword }).strict(),
    output: z.object({ adminName: z.string(), created: z.boolean() }),
  }),
} as const;
