/** The runner's settings (src/api/settings.ts), typed, read fresh from the store each time they matter. */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { readSettings } from '../api/settings';

export interface RunnerSettings {
  concurrency: number;
  maxTimeoutSeconds: number;
  requireApproval: boolean;
  logCapBytes: number;
  allowSecretsOnDisk: boolean;
  hostNetworkAllowed: boolean;
}

export function runnerSettings(db: Database): RunnerSettings {
  const s = readSettings(db);
  return {
    concurrency: Number(s['runner.concurrency']),
    maxTimeoutSeconds: Number(s['runner.maxTimeoutSeconds']),
    requireApproval: s['runner.requireApproval'] === true,
    logCapBytes: Number(s['runner.logCapBytes']),
    allowSecretsOnDisk: s['runner.allowSecretsOnDisk'] === true,
    hostNetworkAllowed: s['runner.hostNetworkAllowed'] === true,
  };
}
