/** Operations: system. */
import { z } from 'zod';
import { op } from './define';
import { empty, newPassword, userName } from './schemas';

export const systemOps = {
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
  'engine.status': op({
    summary:
      'The container engine now: reachable or not (with why), Docker or Podman, version, rootless, socket. Answers within a few seconds.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({
      reachable: z.boolean(),
      kind: z.enum(['docker', 'podman']).nullable(),
      version: z.string().nullable(),
      apiVersion: z.string().nullable(),
      rootless: z.boolean().nullable(),
      socket: z.string().nullable(),
      /** Why it is not reachable, and what to do ('' when it is). */
      message: z.string(),
      checkedAt: z.string(),
    }),
  }),
} as const;
