/** The engine's setting: the admin's choice of local socket (empty: DOCKER_HOST, else the default sockets). */
import { z } from 'zod';
import type { SettingsBlock } from '../kernel';

export const ENGINE_SETTINGS = {
  'engine.socket': {
    schema: z
      .string()
      .max(256)
      .regex(/^$|^(unix:\/\/)?\/[^\0]*$/, 'a local unix socket: unix:///path or /path'),
    default: '',
  },
} as const satisfies SettingsBlock;
