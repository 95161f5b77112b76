/** The catalog's setting: whether unsigned bundles may be imported (recorded on every import that uses it). */
import { z } from 'zod';
import type { SettingsBlock } from '../kernel';

export const BUNDLE_SETTINGS = {
  'bundles.signaturesOptional': { schema: z.boolean(), default: false },
} as const satisfies SettingsBlock;
