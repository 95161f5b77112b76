/**
 * The mirror's settings: the deadlines of every request to a registry (THREAT_MODEL.md, "A slow or
 * stalled mirror"). A registry that answers a byte every few seconds never trips a silence timer, so
 * the whole manifest and the whole blob have deadlines too. Seconds; the defaults suit a LAN mirror.
 */
import { z } from 'zod';
import type { SettingsBlock, SettingsOf } from '../kernel';
import type { HttpDeadlines } from './http-client';

const seconds = (max: number) => z.number().int().min(1).max(max);

export const MIRROR_SETTINGS = {
  /** The TCP connection to the registry. */
  'mirror.connectTimeoutSeconds': { schema: seconds(600), default: 10 },
  /** From a request to the status line and headers of its answer (the TLS handshake included). */
  'mirror.headerTimeoutSeconds': { schema: seconds(600), default: 30 },
  /** The longest silence while an answer's body arrives. */
  'mirror.idleTimeoutSeconds': { schema: seconds(600), default: 30 },
  /** A whole manifest, index, listing, referrers list or token, request to last byte (at most 4 MiB). */
  'mirror.manifestTimeoutSeconds': { schema: seconds(3600), default: 60 },
  /** A whole blob (config or layer), request to last byte: an hour is 9 MB/s for the 32 GiB maximum. */
  'mirror.blobTimeoutSeconds': { schema: seconds(86_400), default: 3600 },
} as const satisfies SettingsBlock;

/** The deadlines a registry source uses, from the settings. */
export function mirrorDeadlines(settings: SettingsOf<typeof MIRROR_SETTINGS>): HttpDeadlines {
  return {
    connectMs: settings['mirror.connectTimeoutSeconds'] * 1000,
    headersMs: settings['mirror.headerTimeoutSeconds'] * 1000,
    idleMs: settings['mirror.idleTimeoutSeconds'] * 1000,
    documentMs: settings['mirror.manifestTimeoutSeconds'] * 1000,
    blobMs: settings['mirror.blobTimeoutSeconds'] * 1000,
  };
}
