/** Identity's settings: the name operators see for this workstation, and the idle expiry of a session. */
import { z } from 'zod';
import type { SettingsBlock } from '../kernel';

export const IDENTITY_SETTINGS = {
  'site.name': { schema: z.string().max(200), default: '' },
  'session.idleMinutes': {
    schema: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    default: 15,
  },
} as const satisfies SettingsBlock;
