/**
 * Every known setting, for `settings.get` and `settings.set`: the blocks each domain declares, joined
 * in one table. Unknown keys are refused. What a setting means is its domain's business.
 */
import { joinSettingsBlocks, settingsFrom, type ReadonlyDb } from '../kernel';
import { storedSettings } from '../store';
import { IDENTITY_SETTINGS } from '../identity';
import { AUDIT_SETTINGS } from '../audit';
import { BUNDLE_SETTINGS } from '../bundles';
import { ENGINE_SETTINGS } from '../engine';
import { MIRROR_SETTINGS } from '../mirror';
import { RETENTION_SETTINGS, RUNNER_SETTINGS } from '../runner';
import { REDACT_SETTINGS } from '../redact';
import { LLM_SETTINGS } from '../llm';

const BLOCKS = [
  IDENTITY_SETTINGS,
  AUDIT_SETTINGS,
  BUNDLE_SETTINGS,
  ENGINE_SETTINGS,
  MIRROR_SETTINGS,
  RUNNER_SETTINGS,
  REDACT_SETTINGS,
  LLM_SETTINGS,
  RETENTION_SETTINGS,
] as const;

type Joined<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? H & Joined<R> : unknown;

/** The one table of settings, in the order the settings screen lists them. */
export const SETTINGS = joinSettingsBlocks(BLOCKS) as Joined<typeof BLOCKS>;

export type SettingKey = keyof typeof SETTINGS;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/** Every setting's value (stored over default), as `settings.get` returns them. */
export function readAllSettings(db: ReadonlyDb): Record<string, unknown> {
  return settingsFrom(SETTINGS, storedSettings(db));
}
