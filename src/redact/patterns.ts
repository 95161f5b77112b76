/**
 * Site-defined patterns: a name, a regular expression and an action. A pattern runs over every byte
 * that leaves, on the core's only thread, so it must never be able to block it (THREAT_MODEL.md,
 * "Hostile inputs to site-defined rules"). Patterns are matched by re2js, a port of RE2: its time
 * is linear in the input whatever the pattern, so no pattern can backtrack. On top of that, before
 * a pattern is accepted it is checked for what would make a backtracking engine slow (nested or
 * adjacent overlapping repeats, back-references, look-around), and timed on hostile probes that
 * start with its own literal prefix (docs/redaction.md).
 */
import { RE2JS } from 're2js';
import { ApiError } from '../kernel';
import { type Detector, type Span } from './detectors';
import { anchorOf } from './scan';
import type { RedactAction } from './types';

export interface SitePattern {
  name: string;
  regex: string;
  action: RedactAction;
}

export const PATTERN_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MAX_PATTERN_LENGTH = 256;
/**
 * A probe that takes longer than this refuses the pattern. The linear engine takes well under a
 * millisecond on a probe; the margin is for a busy machine.
 */
const PROBE_BUDGET_MS = 100;

/** Compiles a site pattern for the linear-time engine (JavaScript escapes such as \u00e9 are translated). */
export function compileSitePattern(regex: string): RE2JS {
  return RE2JS.compile(RE2JS.translateRegExp(regex));
}

/**
 * The literal every match of `regex` starts with, when that is certain: its literal prefix, if the
 * pattern has no alternation anywhere ("ab|cd" starts with "cd" too); else "".
 */
export function certainPrefix(regex: string): string {
  return regex.includes('|') ? '' : literalPrefix(regex);
}

/**
 * A detector over one compiled site pattern: every non-empty match, left to right. With `prefix`
 * (what every match starts with, see certainPrefix), the engine is started only at the next place
 * the prefix stands, found by a string search for its rarest part: it finds the same leftmost match,
 * since none can start before.
 */
export function sitePatternDetector(id: string, kind: string, re: RE2JS, maxLength: number, prefix = ''): Detector {
  const { anchor, offset } = prefix ? anchorOf(prefix) : { anchor: '', offset: 0 };
  return {
    id,
    kind,
    maxLength,
    find(text: string, out: Span[]) {
      const m = re.matcher(text);
      let at = 0;
      while (at <= text.length) {
        if (prefix) {
          const found = text.indexOf(anchor, at + offset);
          if (found < 0) break;
          if (!text.startsWith(prefix, found - offset)) {
            at = found - offset + 1;
            continue;
          }
          at = found - offset;
        }
        if (!m.find(at)) break;
        const start = m.start();
        const end = m.end();
        if (end > start) out.push([start, end]);
        at = end > start ? end : start + 1;
      }
    },
  };
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

/** One item of a sequence: its source, whether it matches exactly one character, its repeat. */
interface Item {
  atom: string;
  single: boolean;
  unbounded: boolean;
}

/** End (exclusive) of the escape starting at `i` (a backslash): \d, \x41, \x{1F600}, \p{L}, \u00e9. */
function escapeEnd(regex: string, i: number): number {
  const c = regex[i + 1];
  if ((c === 'x' || c === 'p' || c === 'P' || c === 'u') && regex[i + 2] === '{') {
    const close = regex.indexOf('}', i);
    return close < 0 ? regex.length : close + 1;
  }
  if (c === 'x') return i + 4;
  if (c === 'u') return i + 6;
  return i + 2;
}

/** Splits a pattern into alternatives of items at every nesting level (groups are opened too). */
function sequences(regex: string): Item[][] {
  const out: Item[][] = [];
  const levels: Item[][][] = [[[]]];
  const groupStarts: number[] = [];
  const push = (item: Item) => levels.at(-1)!.at(-1)!.push(item);
  for (let i = 0; i < regex.length;) {
    const c = regex[i]!;
    let end: number;
    let single = true;
    if (c === '\\') {
      end = escapeEnd(regex, i);
      // \b \B \A \z are positions, not characters.
      single = !/^\\[bBAz]$/.test(regex.slice(i, end));
    } else if (c === '[') {
      end = i + 1;
      if (regex[end] === '^') end++;
      if (regex[end] === ']') end++;
      while (end < regex.length && regex[end] !== ']') end = regex[end] === '\\' ? escapeEnd(regex, end) : end + 1;
      end++;
    } else if (c === '(') {
      groupStarts.push(i);
      levels.push([[]]);
      i++;
      continue;
    } else if (c === ')') {
      const alternatives = levels.pop() ?? [[]];
      out.push(...alternatives);
      if (levels.length === 0) levels.push([[]]);
      const start = groupStarts.pop() ?? 0;
      end = i + 1;
      i = start;
      single = false;
    } else if (c === '|') {
      levels.at(-1)!.push([]);
      i++;
      continue;
    } else if (c === '^' || c === '$') {
      push({ atom: c, single: false, unbounded: false });
      i++;
      continue;
    } else {
      end = i + 1;
    }
    const atom = regex.slice(i, end);
    const quantifier = /^(?:[*+?]|\{\d*(?:,\d*)?\})\??/.exec(regex.slice(end))?.[0] ?? '';
    const unbounded = /^[*+]/.test(quantifier) || /^\{\d*,\}/.test(quantifier);
    push({ atom, single, unbounded });
    i = end + quantifier.length;
  }
  for (const alternatives of levels) out.push(...alternatives);
  return out;
}

/** Characters that stand for every class a pattern can write (ASCII, Latin-1, spaces, others). */
const PROBE_CHARS = [
  ...Array.from({ length: 0x250 }, (_, i) => String.fromCodePoint(i)),
  '\u2028',
  '\u3000',
  '\u0416',
  '\u4e2d',
  '\u{1F600}',
];

/** Whether two one-character atoms can match the same character (then `a+b+` is ambiguous). */
function overlap(a: string, b: string): boolean {
  let ra: RE2JS;
  let rb: RE2JS;
  try {
    ra = compileSitePattern(a);
    rb = compileSitePattern(b);
  } catch {
    return false;
  }
  return PROBE_CHARS.some((ch) => ra.testExact(ch) && rb.testExact(ch));
}

/**
 * Two unbounded repeats next to each other over classes that share a character (`\d+\d+`,
 * `\w+\d*`, `[a-z]*\w+`): a backtracking engine tries every split between them at every start,
 * which is what made `ab\d+\d+\d+z` cost seconds per long line. Returns the offending pair.
 */
export function adjacentOverlappingRepeats(regex: string): [string, string] | null {
  for (const seq of sequences(regex)) {
    for (let i = 0; i + 1 < seq.length; i++) {
      const a = seq[i]!;
      const b = seq[i + 1]!;
      if (a.single && b.single && a.unbounded && b.unbounded && overlap(a.atom, b.atom)) return [a.atom, b.atom];
    }
  }
  return null;
}

/** The literal text a pattern starts with (`TCK-` of `TCK-\d+`): probes must get past it. */
export function literalPrefix(regex: string): string {
  let prefix = '';
  for (let i = 0; i < regex.length; i++) {
    let c = regex[i]!;
    if (c === '\\') {
      const next = regex[i + 1];
      if (next === undefined || /[0-9A-Za-z]/.test(next)) break;
      c = next;
      i++;
    } else if ('^$.*+?()[]{}|'.includes(c)) {
      // A quantifier repeats the character before it, which is then not a fixed prefix.
      if ('*+?{'.includes(c)) prefix = prefix.slice(0, -1);
      break;
    }
    prefix += c;
  }
  return prefix;
}

/** The CPU time (ms) of one probe: what the pattern costs, whatever else the machine is doing. */
function probeCpuMs(detector: ReturnType<typeof sitePatternDetector>, probe: string): number {
  const started = process.cpuUsage();
  detector.find(probe, []);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

function probes(regex: string): string[] {
  const prefix = literalPrefix(regex);
  const chars = [...new Set(regex.replace(/\\[dDwWsS]/g, '').replace(/[\\^$.*+?()[\]{}|]/g, ''))].join('') || 'a';
  const out = ['a'.repeat(4000) + '!', '1'.repeat(4000) + 'x', ' '.repeat(4000) + '!', 'a-'.repeat(2000) + '@'];
  for (const c of chars.slice(0, 8)) out.push(c.repeat(4000) + '\u0000');
  out.push(chars.repeat(Math.ceil(4000 / chars.length)) + '\u0000');
  return prefix ? [...out, ...out.map((p) => prefix + p), prefix.repeat(Math.ceil(4000 / prefix.length))] : out;
}

/** Checks a site pattern; throws INVALID_INPUT saying what to change. Returns it normalised. */
export function validateSitePattern(p: SitePattern): SitePattern {
  if (!PATTERN_NAME.test(p.name))
    throw invalid(`Pattern name "${p.name.slice(0, 40)}": use 1-32 lower-case letters, digits and "-" (it becomes the pseudonym prefix).`);
  if (p.regex.length === 0 || p.regex.length > MAX_PATTERN_LENGTH)
    throw invalid(`A pattern is 1 to ${MAX_PATTERN_LENGTH} characters long.`);
  if (/\\[1-9]|\\k</.test(p.regex))
    throw invalid('Back-references (\\1, \\k<name>) are not allowed in patterns: they can take exponential time.');
  if (/\(\?<?[=!]/.test(p.regex))
    throw invalid('Look-ahead and look-behind are not allowed in patterns; match the text to replace directly.');
  let re: RE2JS;
  try {
    re = compileSitePattern(p.regex);
  } catch (error) {
    throw invalid(
      `The pattern is not a valid regular expression (RE2 syntax, the common part of JavaScript's): ${(error as Error).message.replace(/^error parsing regexp: /, '')}. Fix it and try again.`,
    );
  }
  if (hasNestedQuantifier(p.regex)) {
    throw invalid(
      'The pattern repeats a group that itself repeats or alternates (like (a+)+ or (a|ab)*), which can take exponential time. Write it without the nested repetition.',
    );
  }
  const adjacent = adjacentOverlappingRepeats(p.regex);
  if (adjacent) {
    throw invalid(
      `The pattern has two unbounded repeats next to each other over characters both can match (${adjacent[0]} and ${adjacent[1]}), which is slow on long lines. Merge them into one repeat or bound them, e.g. {1,64}.`,
    );
  }
  if (re.testExact('')) throw invalid('The pattern matches empty text; it must match at least one character.');
  const detector = sitePatternDetector('probe', 'probe', re, 1024);
  for (const probe of probes(p.regex)) {
    // In CPU time, and tried again only when over: a busy machine must not make a good pattern "too slow".
    if (probeCpuMs(detector, probe) > PROBE_BUDGET_MS && probeCpuMs(detector, probe) > PROBE_BUDGET_MS)
      throw invalid('The pattern is too slow on long input. Make it more specific, e.g. bound repeats with {1,64}.');
  }
  return { ...p };
}
