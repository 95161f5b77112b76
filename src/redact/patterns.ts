/**
 * Site-defined patterns: a name, a regular expression and an action. A pattern runs over every byte
 * that leaves, so one that backtracks catastrophically would hang an export: patterns are short,
 * have no nested quantifiers or back-references, must not match empty text, and must finish fast on
 * hostile probe strings before they are accepted (docs/redaction.md).
 */
import { ApiError } from '../kernel';
import type { RedactAction } from './types';

export interface SitePattern {
  name: string;
  regex: string;
  action: RedactAction;
}

export const PATTERN_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MAX_PATTERN_LENGTH = 256;
/** A probe that takes longer than this marks the pattern as one that backtracks. */
const PROBE_BUDGET_MS = 25;

export function compileSitePattern(regex: string): RegExp {
  return new RegExp(regex, 'gu');
}

function invalid(message: string): ApiError {
  return new ApiError('INVALID_INPUT', message);
}

/** A repeated group that itself repeats or alternates: (a+)+, (\w*x)*, (a|ab){2,}. */
export function hasNestedQuantifier(regex: string): boolean {
  const stack: Array<{ q: boolean; alt: boolean }> = [];
  let cur = { q: false, alt: false };
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      // A character class: its * + ? | are literal.
      for (i++; i < regex.length && regex[i] !== ']'; i++) if (regex[i] === '\\') i++;
    } else if (c === '(') {
      stack.push(cur);
      cur = { q: false, alt: false };
      if (regex[i + 1] === '?') {
        // (?: (?<name> : the "?" is syntax, not a quantifier.
        const close = regex[i + 2] === '<' ? regex.indexOf('>', i) : i + 2;
        i = close < 0 ? i + 1 : close;
      }
    } else if (c === ')') {
      const inner = cur;
      cur = stack.pop() ?? { q: false, alt: false };
      const next = regex[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && !/^\{(0,)?1\}/.test(regex.slice(i + 1)));
      if (repeated && (inner.q || inner.alt)) return true;
      cur.q ||= inner.q || repeated || next === '?';
    } else if (c === '|') {
      cur.alt = true;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      cur.q = true;
    }
  }
  return false;
}

function probes(regex: string): string[] {
  const chars = [...new Set(regex.replace(/\\[dDwWsS]/g, '').replace(/[\\^$.*+?()[\]{}|]/g, ''))].join('') || 'a';
  const out = ['a'.repeat(4000) + '!', '1'.repeat(4000) + 'x', ' '.repeat(4000) + '!', 'a-'.repeat(2000) + '@'];
  for (const c of chars.slice(0, 8)) out.push(c.repeat(4000) + '\u0000');
  out.push(chars.repeat(Math.ceil(4000 / chars.length)) + '\u0000');
  return out;
}

/** Checks a site pattern; throws INVALID_INPUT saying what to change. Returns it normalised. */
export function validateSitePattern(p: SitePattern): SitePattern {
  if (!PATTERN_NAME.test(p.name))
    throw invalid(`Pattern name "${p.name.slice(0, 40)}": use 1-32 lower-case letters, digits and "-" (it becomes the pseudonym prefix).`);
  if (p.regex.length === 0 || p.regex.length > MAX_PATTERN_LENGTH)
    throw invalid(`A pattern is 1 to ${MAX_PATTERN_LENGTH} characters long.`);
  let re: RegExp;
  try {
    re = compileSitePattern(p.regex);
  } catch (error) {
    throw invalid(
      `The pattern is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}. Fix it and try again.`,
    );
  }
  if (/\\[1-9]|\\k</.test(p.regex))
    throw invalid('Back-references (\\1, \\k<name>) are not allowed in patterns: they can take exponential time.');
  if (/\(\?<?[=!]/.test(p.regex))
    throw invalid('Look-ahead and look-behind are not allowed in patterns; match the text to replace directly.');
  if (hasNestedQuantifier(p.regex)) {
    throw invalid(
      'The pattern repeats a group that itself repeats or alternates (like (a+)+ or (a|ab)*), which can take exponential time. Write it without the nested repetition.',
    );
  }
  if (new RegExp(`^(?:${p.regex})$`, 'u').test('')) throw invalid('The pattern matches empty text; it must match at least one character.');
  for (const probe of probes(p.regex)) {
    const started = performance.now();
    re.lastIndex = 0;
    probe.replace(re, '');
    if (performance.now() - started > PROBE_BUDGET_MS)
      throw invalid('The pattern is too slow on long input (it backtracks). Make it more specific, e.g. bound repeats with {1,64}.');
  }
  return { ...p };
}
