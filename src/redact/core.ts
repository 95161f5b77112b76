/**
 * The Redactor an egress path uses, built from the open store: the rule set the settings assign to
 * the path, the site's patterns and domains, the pseudonym key and reverse map, and (when asked)
 * the vault's values and a run's sensitive configuration values.
 */
import type { Core } from '../api/core';
import { readSettings } from '../api/settings';
import { bundleByDigest } from '../bundles/catalog';
import { openItem } from '../vault/items';
import type { RunRecord } from '../runner/records';
import { createRedactor } from './engine';
import { RULE_SETS, type RuleSetId } from './rules';
import { listPatterns, pseudonymKey, pseudonymOriginal, recordPseudonym, unmapText } from './store';
import type { EgressPath, Redactor, RedactorOptions } from './types';
import { ApiError } from '../api/errors';

export interface StoreRedactorOptions extends RedactorOptions {
  /** Mask every vault item's value (and base64 forms): the caller's session vault key. */
  vaultKey?: Buffer;
  /** Mask this run's configuration values its task marks `sensitive`. */
  run?: RunRecord;
}

/** The rule set the settings assign to an egress path. */
export function ruleSetFor(core: Core, path: EgressPath): RuleSetId {
  return readSettings(core.store.db)[`redact.ruleSet.${path}`] as RuleSetId;
}

export function checkRuleSet(name: string): RuleSetId {
  if (!Object.hasOwn(RULE_SETS, name)) {
    throw new ApiError('INVALID_INPUT', `Unknown redaction rule set "${name}". Known: ${Object.keys(RULE_SETS).join(', ')}.`);
  }
  return name as RuleSetId;
}

/** Every vault item's value, opened with the caller's vault key (items that do not open are skipped). */
export function vaultValues(core: Core, vaultKey: Buffer): Buffer[] {
  const rows = core.store.db.prepare('SELECT name, sealed FROM vault_items').all() as Array<{ name: string; sealed: string }>;
  return rows.map((r) => openItem(vaultKey, r.name, r.sealed)).filter((v): v is Buffer => v !== null);
}

/** The run's configuration values whose variables its task marks `sensitive: true`. */
/** Names of the run's variables marked sensitive; null when its bundle left the catalog (then all count). */
export function sensitiveNamesOf(core: Core, run: Pick<RunRecord, 'bundle' | 'task'>): string[] | null {
  const bundle = bundleByDigest(core.store.db, run.bundle.digest);
  const task = bundle?.codebundle.tasks.find((t) => t.id === run.task.id);
  return task ? task.config.filter((v) => v.sensitive).map((v) => v.name) : null;
}

export function sensitiveValuesOf(core: Core, run: RunRecord): string[] {
  // A run whose bundle is no longer in the catalog: which values were sensitive is unknown, so all are.
  const names = sensitiveNamesOf(core, run) ?? Object.keys(run.config.values);
  return names.map((n) => run.config.values[n]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * The sensitive configuration values of every run in the store (for the audit export, whose
 * details are not tied to one run). Vault values need a vault key, which auditors do not hold.
 */
export function allSensitiveValues(core: Core): string[] {
  const rows = core.store.db.prepare('SELECT bundle_digest, task_id, config FROM runs').all() as Array<{ bundle_digest: string; task_id: string; config: string }>;
  const sensitiveNames = new Map<string, string[] | null>();
  const out = new Set<string>();
  for (const row of rows) {
    const key = `${row.bundle_digest} ${row.task_id}`;
    let names = sensitiveNames.get(key);
    if (names === undefined) {
      const task = bundleByDigest(core.store.db, row.bundle_digest)?.codebundle.tasks.find((t) => t.id === row.task_id);
      // Bundle gone from the catalog: every value counts as sensitive (null), as in sensitiveValuesOf.
      names = task ? task.config.filter((v) => v.sensitive).map((v) => v.name) : null;
      sensitiveNames.set(key, names);
    }
    if (names?.length === 0) continue;
    const values = (JSON.parse(row.config) as { values?: Record<string, string> }).values ?? {};
    for (const name of names ?? Object.keys(values)) if (typeof values[name] === 'string' && values[name]) out.add(values[name]);
  }
  return [...out];
}

export function redactorFor(core: Core, path: EgressPath, options: StoreRedactorOptions = {}): Redactor {
  const db = core.store.db;
  const settings = readSettings(db);
  const { vaultKey, run, ...rest } = options;
  const secrets = [...(rest.secrets ?? []), ...(vaultKey ? vaultValues(core, vaultKey) : [])];
  const sensitiveValues = [...(rest.sensitiveValues ?? []), ...(run ? sensitiveValuesOf(core, run) : [])];
  return createRedactor(
    {
      pseudonymKey: pseudonymKey(db),
      sitePatterns: listPatterns(db),
      siteDomains: settings['redact.siteDomains'] as string[],
      recordPseudonym: (kind, token, original) => recordPseudonym(db, kind, token, original, core.clock.now().toISOString()),
      pseudonymOriginal: (token) => pseudonymOriginal(db, token),
    },
    { ...rest, secrets, sensitiveValues, ruleSet: checkRuleSet(rest.ruleSet ?? ruleSetFor(core, path)) },
  );
}

/** Maps pseudonyms in a text (an LLM's answer, a vendor's reply) back to the originals, locally. */
export function unmapPseudonyms(core: Core, text: string): string {
  return unmapText(core.store.db, text);
}
