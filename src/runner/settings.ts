/** The runner's settings, declared and typed here, read fresh from the store each time they matter. */
import { z } from 'zod';
import type { SettingsBlock, ReadonlyDb } from '../kernel';
import { readSettings } from '../store';

export const RUNNER_SETTINGS = {
  'runner.concurrency': { schema: z.number().int().min(1).max(64), default: 4 },
  'runner.maxTimeoutSeconds': { schema: z.number().int().min(1).max(86400), default: 3600 },
  'runner.requireApproval': { schema: z.boolean(), default: false },
  'runner.logCapBytes': {
    schema: z
      .number()
      .int()
      .min(4096)
      .max(1024 * 1024 * 1024),
    default: 4 * 1024 * 1024,
  },
  'runner.allowSecretsOnDisk': { schema: z.boolean(), default: false },
  'runner.hostNetworkAllowed': { schema: z.boolean(), default: false },
} as const satisfies SettingsBlock;

export const RETENTION_SETTINGS = {
  /** Days a finished run's log is kept before a purge removes it; 0 keeps logs forever (docs/retention.md). */
  'retention.runLogDays': { schema: z.number().int().min(0).max(36500), default: 90 },
  /** Days a finished run's issues, report and warnings are kept before a purge removes them; 0 keeps them forever. */
  'retention.runReportDays': { schema: z.number().int().min(0).max(36500), default: 365 },
} as const satisfies SettingsBlock;

export interface RunnerSettings {
  concurrency: number;
  maxTimeoutSeconds: number;
  requireApproval: boolean;
  logCapBytes: number;
  allowSecretsOnDisk: boolean;
  hostNetworkAllowed: boolean;
}

export function runnerSettings(db: ReadonlyDb): RunnerSettings {
  const s = readSettings(db, RUNNER_SETTINGS);
  return {
    concurrency: s['runner.concurrency'],
    maxTimeoutSeconds: s['runner.maxTimeoutSeconds'],
    requireApproval: s['runner.requireApproval'] === true,
    logCapBytes: s['runner.logCapBytes'],
    allowSecretsOnDisk: s['runner.allowSecretsOnDisk'] === true,
    hostNetworkAllowed: s['runner.hostNetworkAllowed'] === true,
  };
}
