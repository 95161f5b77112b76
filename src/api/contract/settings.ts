/** Operations: settings. */
import { z } from 'zod';
import { op } from './define';
import { empty } from './schemas';

export const settingsOps = {
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
} as const;
