/**
 * Settings primitives. Each domain declares its own block of keys next to the code that reads them
 * (a zod schema checked on every write, and a default); src/api/settings.ts only joins the blocks
 * for `settings.get` and `settings.set`. Where values are stored is the store's business.
 */
import type { z } from 'zod';

/** One setting: the schema every written value must pass, and the value until an admin sets one. */
export interface SettingDef<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly default: z.output<S>;
}

/** A domain's settings, keyed `domain.name`. Declare with `satisfies SettingsBlock` to keep the types. */
export type SettingsBlock = { readonly [key: string]: SettingDef };

/** The values of a block, typed by its schemas. */
export type SettingsOf<B extends SettingsBlock> = { -readonly [K in keyof B]: z.output<B[K]['schema']> };

/** The stored values of a block's keys over its defaults. Stored values passed the schema when written. */
export function settingsFrom<B extends SettingsBlock>(block: B, stored: ReadonlyMap<string, unknown>): SettingsOf<B> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(block)) out[key] = stored.has(key) ? stored.get(key) : def.default;
  return out as SettingsOf<B>;
}

/** One table of every block, in the order given; a key declared by two domains is a programming error. */
export function joinSettingsBlocks(blocks: readonly SettingsBlock[]): SettingsBlock {
  const out: Record<string, SettingDef> = {};
  for (const block of blocks) {
    for (const [key, def] of Object.entries(block)) {
      if (Object.hasOwn(out, key)) throw new Error(`the setting ${key} is declared twice`);
      out[key] = def;
    }
  }
  return out;
}
