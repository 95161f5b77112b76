/**
 * Rule sets an audit export may apply through its `--redact` hook (details replaced, detailsHash
 * kept, so the chain still verifies). `drop-details` removes every event's details; the redaction
 * engine's rule sets (`default`, `strict`: docs/redaction.md) replace what their rules find, with
 * pseudonyms recorded in the reverse map, and report counts per rule for the manifest.
 */
import { ApiError } from '../kernel';
import type { Core } from '../api/core';
import { auditExportRedactor } from '../redact/core';
import { RULE_SET_IDS } from '../redact/rules';
import type { RedactionHook } from './export-bundle';

const dropDetails: RedactionHook = {
  ruleSet: 'drop-details',
  version: '1',
  apply(details) {
    const empty = details === null || (typeof details === 'object' && Object.keys(details).length === 0);
    return empty ? { details, replacements: 0 } : { details: { redacted: 'drop-details/1' }, replacements: 1 };
  },
};

/** Makes a rule set's hook for one export; it may read the open store through the core. */
export type AuditRuleSetFactory = (core: Core) => RedactionHook;

function engineRuleSet(name: (typeof RULE_SET_IDS)[number]): AuditRuleSetFactory {
  return (core) => {
    const redactor = auditExportRedactor(core, { ruleSet: name, record: true });
    return {
      ruleSet: redactor.ruleSet,
      version: redactor.version,
      apply: (details) => {
        const { value, replacements } = redactor.redactValue(details);
        return { details: value, replacements };
      },
      counts: () => redactor.counts(),
    };
  };
}

const registry = new Map<string, AuditRuleSetFactory>([
  [dropDetails.ruleSet, () => dropDetails],
  ...RULE_SET_IDS.map((name) => [name, engineRuleSet(name)] as const),
]);

export function registerAuditRuleSet(name: string, make: AuditRuleSetFactory): void {
  registry.set(name, make);
}

export function auditRuleSet(core: Core, name: string): RedactionHook {
  const make = registry.get(name);
  if (!make) throw new ApiError('INVALID_INPUT', `Unknown redaction rule set "${name}". Known: ${[...registry.keys()].join(', ')}.`);
  return make(core);
}
