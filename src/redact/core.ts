/**
 * The Redactor an egress path uses, built from the open store: the rule set the settings assign to
 * the path, the site's patterns and domains, the pseudonym key and reverse map, and (when asked)
 * the vault's values and a run's sensitive configuration values.
 */
import type { Core } from '../api/core';
import { readSettings } from '../store';
import { REDACT_SETTINGS } from './settings';
import { bundleByDigest } from '../bundles/catalog';
import { openItem } from '../vault/items';
import type { RunRecord } from '../runner/records';
import { createRedactor } from './engine';
import { RULE_SETS, type RuleSetId } from './rules';
import { listPatterns, pseudonymKey, pseudonymOriginal, recordPseudonym, unmapText } from './store';
import type { EgressPath, Redactor, RedactorOptions } from './types';
import { ApiError } from '../kernel';

export interface StoreRedactorOptions extends RedactorOptions {
  /** Mask every vault item's value (and base64 forms): the caller's session vault key. */
  vaultKey?: Buffer;
  /** Mask this run's configuration values its task marks `sensitive`. */
  run?: RunRecord;
}

/** The rule set the settings assign to an egress path. */
export function ruleSetFor(core: Core, path: EgressPath): RuleSetId {
  return readSettings(core.store.db, REDACT_SETTINGS)[`redact.ruleSet.${path}`];
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

/** Names of a task's variables marked sensitive; null when its bundle left the catalog (then all count). */
export function sensitiveNamesOf(core: Core, run: { bundle: { digest: string }; task: { id: string } }): string[] | null {
  const bundle = bundleByDigest(core.store.db, run.bundle.digest);
  const task = bundle?.codebundle.tasks.find((t) => t.id === run.task.id);
  return task ? task.config.filter((v) => v.sensitive).map((v) => v.name) : null;
}

/**
 * Names of the run's values to treat as sensitive: those its task marks `sensitive: true`, or, for a
 * run whose bundle is no longer in the catalog, all of them (which were sensitive can no longer be known).
 */
export function sensitiveNames(core: Core, run: RunRecord): string[] {
  return sensitiveNamesOf(core, run) ?? Object.keys(run.config.values);
}

/** The run's configuration values to treat as sensitive (see sensitiveNames). */
export function sensitiveValuesOf(core: Core, run: RunRecord): string[] {
  return sensitiveNames(core, run).map((n) => run.config.values[n]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * The sensitive configuration values of every run in the store (for the audit export, whose
 * details are not tied to one run). Vault values need a vault key, which auditors do not hold.
 */
export function allSensitiveValues(core: Core): string[] {
  const rows = core.store.db.prepare('SELECT bundle_digest, task_id, config FROM runs').all() as Array<{ bundle_digest: string; task_id: string; config: string }>;
  const sensitiveNamesByTask = new Map<string, string[] | null>();
  const out = new Set<string>();
  for (const row of rows) {
    const key = `${row.bundle_digest} ${row.task_id}`;
    let names = sensitiveNamesByTask.get(key);
    if (names === undefined) {
      names = sensitiveNamesOf(core, { bundle: { digest: row.bundle_digest }, task: { id: row.task_id } });
      sensitiveNamesByTask.set(key, names);
    }
    if (names?.length === 0) continue;
    const values = (JSON.parse(row.config) as { values?: Record<string, string> }).values ?? {};
    // null: the bundle left the catalog, so every value counts, as in sensitiveNames.
    for (const name of names ?? Object.keys(values)) if (typeof values[name] === 'string' && values[name]) out.add(values[name]);
  }
  return [...out];
}

/** The audit export's redactor: its rule set over event details, every run's sensitive values masked. */
export function auditExportRedactor(core: Core, options: { ruleSet?: RuleSetId; record: boolean }): Redactor {
  return redactorFor(core, 'auditExport', { ...(options.ruleSet ? { ruleSet: options.ruleSet } : {}), sensitiveValues: allSensitiveValues(core), record: options.record });
}

export function redactorFor(core: Core, path: EgressPath, options: StoreRedactorOptions = {}): Redactor {
  const db = core.store.db;
  const settings = readSettings(db, REDACT_SETTINGS);
  const { vaultKey, run, ...rest } = options;
  const secrets = [...(rest.secrets ?? []), ...(vaultKey ? vaultValues(core, vaultKey) : [])];
  const sensitiveValues = [...(rest.sensitiveValues ?? []), ...(run ? sensitiveValuesOf(core, run) : [])];
  return createRedactor(
    {
      pseudonymKey: pseudonymKey(db),
      sitePatterns: listPatterns(db),
      siteDomains: settings['redact.siteDomains'],
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
