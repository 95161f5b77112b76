/**
 * The one typed contract (ARCHITECTURE.md): every operation and subscription with its zod
 * schemas and the permission it needs. IPC, the CLI and the test harness dispatch through it.
 * Pure data: no Node modules, so the preload and renderer may import it.
 */
import { z } from 'zod';
import { op, sub } from './define';
import { auditEvent, empty, filePath, newPassword, ok, password, roles, userInfo, userName } from './schemas';

export const contract = {
  // --- system and first-run setup ---
  'system.status': op({
    summary: 'Whether a store exists here, and its workstation id.',
    access: 'public',
    mutates: false,
    input: empty,
    output: z.object({ initialised: z.boolean(), version: z.string(), home: z.string() }),
  }),
  'system.init': op({
    summary: 'Create the encrypted store with its first admin; returns the recovery key, shown once.',
    access: 'public',
    mutates: true,
    secretFields: ['password'],
    input: z.object({ adminName: userName, password: newPassword }).strict(),
    output: z.object({ workstationId: z.string(), recoveryKey: z.string() }),
  }),

  // --- sessions ---
  'auth.signIn': op({
    summary: 'Sign in with a user name and password.',
    access: 'public',
    mutates: false,
    secretFields: ['password'],
    input: z.object({ name: userName, password }).strict(),
    output: z.object({ sessionId: z.string(), user: userInfo, permissions: z.array(z.string()) }),
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
    output: z.object({ user: userInfo, permissions: z.array(z.string()), workstationId: z.string() }),
  }),
  'auth.changePassword': op({
    summary: 'Change your own password.',
    access: 'signedIn',
    mutates: true,
    secretFields: ['currentPassword', 'newPassword'],
    input: z.object({ currentPassword: password, newPassword }).strict(),
    output: ok,
  }),

  // --- users and roles (admin) ---
  'users.list': op({
    summary: 'Every user and their roles.',
    access: 'users.manage',
    mutates: false,
    input: empty,
    output: z.object({ users: z.array(userInfo) }),
  }),
  'users.add': op({
    summary: 'Add a user with roles and a first password (to be changed at first sign-in).',
    access: 'users.manage',
    mutates: true,
    secretFields: ['password'],
    input: z.object({ name: userName, roles, password: newPassword }).strict(),
    output: userInfo,
  }),
  'users.remove': op({
    summary: 'Remove a user; rotates every key they could unwrap.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ name: userName }).strict(),
    output: ok,
  }),
  'users.setRoles': op({
    summary: "Replace a user's roles; losing a role rotates keys.",
    access: 'users.manage',
    mutates: true,
    input: z.object({ name: userName, roles }).strict(),
    output: userInfo,
  }),
  'users.resetPassword': op({
    summary: "Reset another user's password; they must change it at next sign-in.",
    access: 'users.manage',
    mutates: true,
    secretFields: ['password'],
    input: z.object({ name: userName, password: newPassword }).strict(),
    output: ok,
  }),

  // --- settings (admin writes, everyone reads) ---
  'settings.get': op({
    summary: 'Current settings.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({ settings: z.record(z.string(), z.unknown()) }),
  }),
  'settings.set': op({
    summary: 'Change one setting.',
    access: 'settings.manage',
    mutates: true,
    input: z.object({ key: z.string().min(1).max(128), value: z.unknown() }).strict(),
    output: z.object({ key: z.string(), value: z.unknown() }),
  }),

  // --- store: integrity, backup, restore, recovery ---
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
    summary: "Open the store with the recovery key and set a new admin password (the admin is created if missing).",
    access: 'public',
    mutates: true,
    secretFields: ['recoveryKey', 'newPassword'],
    input: z.object({ recoveryKey: z.string().min(1).max(200), adminName: userName, newPassword }).strict(),
    output: z.object({ adminName: z.string(), created: z.boolean() }),
  }),

  // --- audit trail ---
  'audit.list': op({
    summary: 'Browse the audit trail, newest first.',
    access: 'audit.read',
    mutates: false,
    auditRead: 'oncePerSession',
    input: z
      .object({
        action: z.string().max(128).optional(),
        actor: z.string().max(128).optional(),
        since: z.string().max(64).optional(),
        limit: z.number().int().min(1).max(10000).optional(),
        beforeSeq: z.number().int().min(1).optional(),
      })
      .strict(),
    output: z.object({ events: z.array(auditEvent) }),
  }),
  'audit.head': op({
    summary: 'The sequence number and hash of the newest event.',
    access: 'audit.read',
    mutates: false,
    input: empty,
    output: z.object({ seq: z.number().int(), hash: z.string() }),
  }),
  'audit.check': op({
    summary: 'Walk the whole chain; names the first bad event.',
    access: 'audit.read',
    mutates: false,
    input: empty,
    output: z.object({ ok: z.boolean(), count: z.number().int(), firstBadSeq: z.number().int().nullable(), problem: z.string().nullable() }),
  }),
} as const;

export const subscriptions = {
  'audit.events': sub({
    summary: 'Events as they are appended to the chain.',
    access: 'audit.read',
    input: empty,
    event: auditEvent,
  }),
} as const;

export type Contract = typeof contract;
export type OpName = keyof Contract;
export type OpInput<N extends OpName> = z.input<Contract[N]['input']>;
export type OpOutput<N extends OpName> = z.output<Contract[N]['output']>;
export type Subscriptions = typeof subscriptions;
export type SubName = keyof Subscriptions;
export type SubInput<N extends SubName> = z.input<Subscriptions[N]['input']>;
export type SubEvent<N extends SubName> = z.output<Subscriptions[N]['event']>;

export const OP_NAMES = Object.keys(contract) as OpName[];
export const SUB_NAMES = Object.keys(subscriptions) as SubName[];
