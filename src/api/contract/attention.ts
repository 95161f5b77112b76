/**
 * Subscriptions: what needs the signed-in user's attention. The counts the navigation and the
 * window title show, and the notices Electron main turns into desktop notifications. The core
 * decides both for the session's user; clients only show them.
 */
import { z } from 'zod';
import { sub } from './define';
import { empty } from './schemas';

export const attentionSubscriptions = {
  'attention.counts': sub({
    summary:
      'Counts for the navigation: runs in progress, runs waiting for an approval you may give, open critical issues. Sent at once, then on every change.',
    access: 'signedIn',
    input: empty,
    event: z.object({
      runsInProgress: z.number().int().nonnegative(),
      approvalsWaiting: z.number().int().nonnegative(),
      criticalIssues: z.number().int().nonnegative(),
    }),
  }),
  'attention.notices': sub({
    summary: 'A notice when a run you started ends, or when another operator’s run waits for an approval you may give.',
    access: 'signedIn',
    input: empty,
    event: z.object({
      kind: z.enum(['run-ended', 'approval-waiting']),
      runId: z.string(),
      title: z.string(),
      body: z.string(),
    }),
  }),
} as const;
