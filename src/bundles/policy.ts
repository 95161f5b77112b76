/**
 * Tag policy: which tasks may run, decided from their tags alone. Pure functions; the catalog stores
 * the policy and applies it at import and again at every run.
 *
 * Patterns are case-insensitive globs where `*` matches any run of characters (":" included).
 * For each tag the most specific matching pattern decides (specificity = characters other than `*`);
 * on a tie deny wins. A task is denied when any of its tags is denied. So:
 *   - the default, deny `access:read-write`, disables read-write tasks;
 *   - allow `access:read-write` lifts that (same specificity would tie, and deny wins, so `policy allow`
 *     also removes the identical deny pattern: see allowTags);
 *   - deny `*` plus allow `access:read-only`, `data:*` admits only tasks whose every tag is listed;
 *   - allow `data:*` with deny `data:logs-bulk` still denies logs-bulk (more specific).
 */
import { z } from 'zod';

export const tagPatternSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9*._:/-]+$/, 'a tag pattern uses letters, digits, ".", "_", ":", "/", "-" and "*"');

export const tagPolicySchema = z.strictObject({
  allow: z.array(tagPatternSchema).max(256),
  deny: z.array(tagPatternSchema).max(256),
});
export type TagPolicy = z.infer<typeof tagPolicySchema>;

export const DEFAULT_TAG_POLICY: Readonly<TagPolicy> = Object.freeze({ allow: [], deny: ['access:read-write'] });

export interface TaskPolicyInput {
  tags: readonly string[];
  /** When given, `access:<access>` is evaluated as a tag too, whatever the tags say. */
  access?: 'read-only' | 'read-write';
}

export interface PolicyDecision {
  allowed: boolean;
  /** Says why, naming the tag and pattern that decided. */
  reason: string;
  /** The tags that were denied (empty when allowed). */
  deniedTags: string[];
}

const compiled = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  const key = pattern.toLowerCase();
  let re = compiled.get(key);
  if (!re) {
    const body = key
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`);
    compiled.set(key, re);
  }
  return re;
}

export function matchesTag(pattern: string, tag: string): boolean {
  return globToRegExp(pattern).test(tag.toLowerCase());
}

function specificity(pattern: string): number {
  return pattern.replace(/\*/g, '').length;
}

function bestMatch(patterns: readonly string[], tag: string): string | undefined {
  let best: string | undefined;
  for (const pattern of patterns) {
    if (matchesTag(pattern, tag) && (best === undefined || specificity(pattern) > specificity(best))) best = pattern;
  }
  return best;
}

/** Decides one tag: the deny pattern that wins, or undefined when the tag passes. */
function denyingPattern(tag: string, policy: TagPolicy): string | undefined {
  const deny = bestMatch(policy.deny, tag);
  if (deny === undefined) return undefined;
  const allow = bestMatch(policy.allow, tag);
  return allow !== undefined && specificity(allow) > specificity(deny) ? undefined : deny;
}

export function evaluateTask(task: TaskPolicyInput, policy: TagPolicy): PolicyDecision {
  const tags = [...new Set([...task.tags, ...(task.access ? [`access:${task.access}`] : [])].map((t) => t.toLowerCase()))];
  const denied: Array<[string, string]> = [];
  for (const tag of tags) {
    const pattern = denyingPattern(tag, policy);
    if (pattern !== undefined) denied.push([tag, pattern]);
  }
  if (denied.length === 0) {
    return {
      allowed: true,
      reason: tags.length ? `allowed: no tag is denied by the tag policy` : 'allowed: the task has no tags',
      deniedTags: [],
    };
  }
  const [first] = denied;
  const [tag, pattern] = first!;
  return {
    allowed: false,
    reason: `denied by the tag policy: tag "${tag}" matches deny pattern "${pattern}"${denied.length > 1 ? ` (and ${denied.length - 1} more ${denied.length === 2 ? 'tag' : 'tags'})` : ''}. An admin can allow the tag "${tag}" in the tag policy.`,
    deniedTags: denied.map(([t]) => t),
  };
}

function normalise(patterns: readonly string[]): string[] {
  return patterns.map((p) => tagPatternSchema.parse(p).toLowerCase());
}

/** `policy allow TAG…`: adds allow patterns and drops identical deny patterns. */
export function allowTags(policy: TagPolicy, patterns: readonly string[]): TagPolicy {
  const add = normalise(patterns);
  return {
    allow: [...new Set([...policy.allow, ...add])],
    deny: policy.deny.filter((p) => !add.includes(p.toLowerCase())),
  };
}

/** `policy deny TAG…`: adds deny patterns and drops identical allow patterns. */
export function denyTags(policy: TagPolicy, patterns: readonly string[]): TagPolicy {
  const add = normalise(patterns);
  return {
    allow: policy.allow.filter((p) => !add.includes(p.toLowerCase())),
    deny: [...new Set([...policy.deny, ...add])],
  };
}

/** `policy clear`: back to the default (deny access:read-write). */
export function clearPolicy(): TagPolicy {
  return { allow: [...DEFAULT_TAG_POLICY.allow], deny: [...DEFAULT_TAG_POLICY.deny] };
}
