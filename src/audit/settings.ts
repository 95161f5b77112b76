/** The audit trail's setting: after how many days without an export the dashboard says one is overdue. */
import { z } from 'zod';
import type { SettingsBlock } from '../kernel';

export const AUDIT_SETTINGS = {
  'audit.exportOverdueDays': { schema: z.number().int().min(1).max(365), default: 7 },
} as const satisfies SettingsBlock;
