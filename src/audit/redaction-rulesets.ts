/**
 * Rule sets an audit export may apply through its `--redact` hook (details replaced, detailsHash
 * kept, so the chain still verifies). The redaction engine (src/redact) registers richer rule sets
 * here; `drop-details` is the built-in one: it removes every event's details.
 */
import { ApiError } from '../api/errors';
import type { RedactionHook } from './export-bundle';

const dropDetails: RedactionHook = {
  ruleSet: 'drop-details',
  version: '1',
  apply(details) {
    const empty = details === null || (typeof details === 'object' && Object.keys(details).length === 0);
    return empty ? { details, replacements: 0 } : { details: { redacted: 'drop-details/1' }, replacements: 1 };
  },
};

const registry = new Map<string, () => RedactionHook>([[dropDetails.ruleSet, () => dropDetails]]);

export function registerAuditRuleSet(name: string, make: () => RedactionHook): void {
  registry.set(name, make);
}

export function auditRuleSet(name: string): RedactionHook {
  const make = registry.get(name);
  if (!make) throw new ApiError('INVALID_INPUT', `Unknown redaction rule set "${name}". Known: ${[...registry.keys()].join(', ')}.`);
  return make();
}
