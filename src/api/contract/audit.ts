/** Operations: audit. */
import { z } from 'zod';
import { op } from './define';
import { auditEvent, empty } from './schemas';

export const auditOps = {
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
    output: z.object({
      ok: z.boolean(),
      count: z.number().int(),
      firstBadSeq: z.number().int().nullable(),
      problem: z.string().nullable(),
    }),
  }),
} as const;
