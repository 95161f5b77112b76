/**
 * The Redactor an egress path uses, built from the open store: the rule set the settings assign to
 * the path, the site's patterns and domains, the pseudonym key and reverse map, and (when asked)
 * the vault's values and a run's sensitive configuration values.
 */
import { ApiError, type CoreContext, type ReadContext } from '../kernel';
import { bundleByDigest } from '../bundles';
import {
  createRedactor,
  REDACT_SETTINGS,
  RULE_SETS,
  type EgressPath,
  type Redactor,
  type RedactorOptions,
  type RuleSetId,
} from '../redact';
import { RunRecords, type RunRecord } from '../runner';
import { VaultItems } from '../vault';
import { listPatterns, pseudonymKey, pseudonymOriginal, recordPseudonym, unmapText } from './redaction-store';

export interface StoreRedactorOptions extends RedactorOptions {
  /** Mask every vault item's value (and base64 forms): the caller's session vault key. */
  vaultKey?: Buffer;
  /** Mask this run's configuration values its task marks `sensitive`. */
  run?: RunRecord;
}

/** The rule set the settings assign to an egress path. */
export function ruleSetFor(ctx: ReadContext, path: EgressPath): RuleSetId {
  return ctx.settings(REDACT_SETTINGS)[`redact.ruleSet.${path}`];
}

export function checkRuleSet(name: string): RuleSetId {
  if (!Object.hasOwn(RULE_SETS, name)) {
    throw new ApiError('INVALID_INPUT', `Unknown redaction rule set "${name}". Known: ${Object.keys(RULE_SETS).join(', ')}.`);
  }
  return name as RuleSetId;
}

/** Every vault item's value, opened with the caller's vault key (items that do not open are skipped). */
export function vaultValues(ctx: ReadContext, vaultKey: Buffer): Buffer[] {
  return new VaultItems(ctx.db).openAll(vaultKey);
}

/** Names of a task's variables marked sensitive; null when its bundle left the catalog (then all count). */
export function sensitiveNamesOf(ctx: ReadContext, run: { bundle: { digest: string }; task: { id: string } }): string[] | null {
  const bundle = bundleByDigest(ctx.db, run.bundle.digest);
  const task = bundle?.codebundle.tasks.find((t) => t.id === run.task.id);
  return task ? task.config.filter((v) => v.sensitive).map((v) => v.name) : null;
}

/**
 * Names of the run's values to treat as sensitive: those its task marks `sensitive: true`, or, for a
 * run whose bundle is no longer in the catalog, all of them (which were sensitive can no longer be known).
 */
export function sensitiveNames(ctx: ReadContext, run: RunRecord): string[] {
  return sensitiveNamesOf(ctx, run) ?? Object.keys(run.config.values);
}

/** The run's configuration values to treat as sensitive (see sensitiveNames). */
export function sensitiveValuesOf(ctx: ReadContext, run: RunRecord): string[] {
  return sensitiveNames(ctx, run)
    .map((n) => run.config.values[n])
    .filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * The sensitive configuration values of every run in the store (for the audit export, whose
 * details are not tied to one run). Vault values need a vault key, which auditors do not hold.
 */
export function allSensitiveValues(ctx: ReadContext): string[] {
  const sensitiveNamesByTask = new Map<string, string[] | null>();
  const out = new Set<string>();
  for (const run of new RunRecords(ctx.db).recordedValues()) {
    const key = `${run.bundleDigest} ${run.taskId}`;
    let names = sensitiveNamesByTask.get(key);
    if (names === undefined) {
      names = sensitiveNamesOf(ctx, { bundle: { digest: run.bundleDigest }, task: { id: run.taskId } });
      sensitiveNamesByTask.set(key, names);
    }
    if (names?.length === 0) continue;
    // null: the bundle left the catalog, so every value counts, as in sensitiveNames.
    for (const name of names ?? Object.keys(run.values))
      if (typeof run.values[name] === 'string' && run.values[name]) out.add(run.values[name]);
  }
  return [...out];
}

/** The audit export's redactor: its rule set over event details, every run's sensitive values masked. */
export function auditExportRedactor(ctx: CoreContext, options: { ruleSet?: RuleSetId; record: true }): Redactor;
export function auditExportRedactor(ctx: ReadContext, options: { ruleSet?: RuleSetId; record: false }): Redactor;
export function auditExportRedactor(ctx: ReadContext, options: { ruleSet?: RuleSetId; record: boolean }): Redactor {
  const base = { ...(options.ruleSet ? { ruleSet: options.ruleSet } : {}), sensitiveValues: allSensitiveValues(ctx) };
  // The overloads let only a writing context record (see redactorFor).
  return options.record
    ? redactorFor(ctx as CoreContext, 'auditExport', { ...base, record: true })
    : redactorFor(ctx, 'auditExport', { ...base, record: false });
}

/**
 * The redactor of an egress path. One that records the pseudonyms it issues writes the reverse map,
 * so it needs the writing context; a preview (record false) needs only a reading one.
 */
export function redactorFor(ctx: CoreContext, path: EgressPath, options: StoreRedactorOptions & { record: true }): Redactor;
export function redactorFor(ctx: ReadContext, path: EgressPath, options?: StoreRedactorOptions & { record?: false }): Redactor;
export function redactorFor(ctx: ReadContext, path: EgressPath, options: StoreRedactorOptions = {}): Redactor {
  const db = ctx.db;
  const settings = ctx.settings(REDACT_SETTINGS);
  const { vaultKey, run, ...rest } = options;
  const secrets = [...(rest.secrets ?? []), ...(vaultKey ? vaultValues(ctx, vaultKey) : [])];
  const sensitiveValues = [...(rest.sensitiveValues ?? []), ...(run ? sensitiveValuesOf(ctx, run) : [])];
  // Only the overload with a CoreContext takes record: true.
  const writer = rest.record ? (ctx as CoreContext).db : null;
  return createRedactor(
    {
      pseudonymKey: pseudonymKey(db),
      sitePatterns: listPatterns(db),
      siteDomains: settings['redact.siteDomains'],
      ...(writer
        ? {
            recordPseudonym: (kind: string, token: string, original: string) =>
              recordPseudonym(writer, kind, token, original, ctx.clock.now().toISOString()),
          }
        : {}),
      pseudonymOriginal: (token) => pseudonymOriginal(db, token),
    },
    { ...rest, secrets, sensitiveValues, ruleSet: checkRuleSet(rest.ruleSet ?? ruleSetFor(ctx, path)) },
  );
}

/** Maps pseudonyms in a text (an LLM's answer, a vendor's reply) back to the originals, locally. */
export function unmapPseudonyms(ctx: ReadContext, text: string): string {
  return unmapText(ctx.db, text);
}
