/** Known settings, each with a schema and a default. Unknown keys are refused. */
import { z } from 'zod';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { RULE_SET_IDS } from '../redact/rules';
import { LLM_SETTINGS } from '../llm/settings';
/** A DNS name: labels of letters, digits and inner "-", joined by dots (linear to match). */
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const SETTINGS = {
  'site.name': { schema: z.string().max(200), default: '' },
  'session.idleMinutes': { schema: z.number().int().min(1).max(24 * 60), default: 15 },
  'audit.exportOverdueDays': { schema: z.number().int().min(1).max(365), default: 7 },
  'bundles.signaturesOptional': { schema: z.boolean(), default: false }, 'engine.socket': { schema: z.string().max(256).regex(/^$|^(unix:\/\/)?\/[^\0]*$/, 'a local unix socket: unix:///path or /path'), default: '' },
  'runner.concurrency': { schema: z.number().int().min(1).max(64), default: 4 },
  'runner.maxTimeoutSeconds': { schema: z.number().int().min(1).max(86400), default: 3600 },
  'runner.requireApproval': { schema: z.boolean(), default: false },
  'runner.logCapBytes': { schema: z.number().int().min(4096).max(1024 * 1024 * 1024), default: 4 * 1024 * 1024 },
  'runner.allowSecretsOnDisk': { schema: z.boolean(), default: false },
  'runner.hostNetworkAllowed': { schema: z.boolean(), default: false },
  'redact.siteDomains': { schema: z.array(z.string().max(253).regex(DOMAIN, 'a domain name like corp.example.com')).max(64), default: [] as string[] },
  'redact.ruleSet.runsExport': { schema: z.enum(RULE_SET_IDS), default: 'default' },
  'redact.ruleSet.auditExport': { schema: z.enum(RULE_SET_IDS), default: 'default' },
  'redact.ruleSet.llm': { schema: z.enum(RULE_SET_IDS), default: 'default' },
  ...LLM_SETTINGS,
  /** Days a finished run's log is kept before a purge removes it; 0 keeps logs forever (docs/retention.md). */
  'retention.runLogDays': { schema: z.number().int().min(0).max(36500), default: 90 },
  /** Days a finished run's issues, report and warnings are kept before a purge removes them; 0 keeps them forever. */
  'retention.runReportDays': { schema: z.number().int().min(0).max(36500), default: 365 },
} as const;

export type SettingKey = keyof typeof SETTINGS;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

export function readSettings(db: Database): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(SETTINGS)) out[key] = def.default;
  for (const row of db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>) {
    if (isSettingKey(row.key)) out[row.key] = JSON.parse(row.value);
  }
  return out;
}

export function writeSetting(db: Database, key: SettingKey, value: unknown, by: string, now: string): void {
  db.prepare(
    'INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
  ).run(key, JSON.stringify(value), now, by);
}
