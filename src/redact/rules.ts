/**
 * The detectors of the redaction engine (docs/redaction.md) and the built-in rule sets that say
 * what each one does. A detector finds spans; a rule set gives each detector an action. Detectors
 * with a literal start (`-----BEGIN`, `eyJ`, `AKIA`, `arn:`) let the regex engine skip ahead fast;
 * the others (e-mail, IP addresses, site hosts) scan for a cheap anchor and validate in code.
 */
import { isIPv6 } from 'node:net';
import type { RedactAction, RuleSetId } from './types';
export { RULE_SET_IDS, type RuleSetId } from './types';

/** One span found in a text: [start, end) of what is replaced. */
export type Span = [start: number, end: number];

export interface Detector {
  /** Rule id, as in Replacement.rule and the manifests' counts. */
  id: string;
  /** Pseudonym prefix ("host" -> host-7f3a2c); identifiers that are the same thing share one. */
  kind: string;
  /** Lower-case the original before pseudonymising (host names and e-mail addresses). */
  foldCase?: boolean;
  /**
   * Finds spans in `text`, in any order; overlaps are settled by the engine (earlier detectors win).
   * `scan` shares the positions of common anchor characters between the detectors of one text.
   */
  find(text: string, out: Span[], scan?: TextScan): void;
  /** How far a match may reach; a stream holds back at most this much of an unfinished line. */
  maxLength: number;
  /** Matches may cross line ends (a PEM block): the stream handles them specially. */
  multiline?: boolean;
}

/**
 * The positions of a few characters in one text, each found once (a string search runs at memory
 * speed on one character) and shared by every detector anchored on it: ':' serves IPv6, URL
 * passwords, ARNs and assignments, '=' the assignments and SAS signatures, '.' IPv4.
 */
export class TextScan {
  private text = '';
  /** Per character: its positions in `text` (the first `n`), valid when `done`. Reused between texts. */
  private readonly lists = new Map<string, { at: Int32Array; n: number; done: boolean }>();
  private readonly memos = new Map<string, { at: Int32Array; n: number; done: boolean }>();

  constructor(text = '') {
    this.text = text;
  }

  /** Starts over on another text, keeping the arrays. */
  reset(text: string): this {
    this.text = text;
    for (const list of this.lists.values()) list.done = false;
    for (const list of this.memos.values()) list.done = false;
    return this;
  }

  /** Every index of the one character `ch` in the text, ascending. */
  all(ch: string): Int32Array {
    let list = this.lists.get(ch);
    if (!list) {
      list = { at: new Int32Array(1024), n: 0, done: false };
      this.lists.set(ch, list);
    }
    if (!list.done) {
      const { text } = this;
      let { at } = list;
      let n = 0;
      for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) {
        if (n === at.length) {
          const grown = new Int32Array(at.length * 2);
          grown.set(at);
          at = grown;
          list.at = at;
        }
        at[n++] = i;
      }
      list.n = n;
      list.done = true;
    }
    return list.at.subarray(0, list.n);
  }

  /**
   * A list computed once per text under `key` and shared by the detectors that ask for it: `fill`
   * writes at most `capacity` positions into the array it is given and returns how many.
   */
  memo(key: string, capacity: number, fill: (text: string, into: Int32Array) => number): Int32Array {
    let list = this.memos.get(key);
    if (!list) {
      list = { at: new Int32Array(1024), n: 0, done: false };
      this.memos.set(key, list);
    }
    if (!list.done) {
      if (list.at.length < capacity) list.at = new Int32Array(Math.max(capacity, list.at.length * 2));
      list.n = fill(this.text, list.at);
      list.done = true;
    }
    return list.at.subarray(0, list.n);
  }
}

/**
 * Where a regex's matches may start: every match must start at one of them (more is fine: the regex
 * decides at each). Any order, repeats allowed.
 */
export type Candidates = (text: string, scan: TextScan, out: number[]) => void;

/** Candidates from literals: each occurrence of `literal` at index a gives a start a - offset. */
export function literalCandidates(...anchors: ReadonlyArray<readonly [literal: string, offset: number]>): Candidates {
  return (text, _scan, out) => {
    for (const [literal, offset] of anchors)
      for (let a = text.indexOf(literal, offset); a >= 0; a = text.indexOf(literal, a + 1)) out.push(a - offset);
  };
}

/**
 * Candidates from literal prefixes that share one searched piece: each occurrence of `search` at a
 * gives the start a - offset where one of `prefixes` begins. `search` is the rarest part of the
 * prefixes (a string search is as fast as its first character is rare).
 */
export function prefixCandidates(search: string, offset: number, prefixes: readonly string[]): Candidates {
  return (text, _scan, out) => {
    for (let a = text.indexOf(search, offset); a >= 0; a = text.indexOf(search, a + 1)) {
      const start = a - offset;
      for (const prefix of prefixes) {
        if (text.startsWith(prefix, start)) {
          out.push(start);
          break;
        }
      }
    }
  };
}

/** JavaScript's \s, by character code. */
function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
}

/**
 * Whether `word` (lower-case ASCII) ends at index `end` (exclusive) of `text` in any ASCII case, as
 * a case-insensitive regex matches it (without the u flag no other character matches an ASCII letter).
 */
function endsWithCaseless(text: string, end: number, word: string): boolean {
  const start = end - word.length;
  if (start < 0) return false;
  for (let k = 0; k < word.length; k++) {
    const c = text.charCodeAt(start + k);
    const w = word.charCodeAt(k);
    if (c !== w && !(w >= 97 && w <= 122 && c === w - 32)) return false;
  }
  return true;
}

/**
 * The colons any colon rule can use, as indexes into scan.all(':'), found in one pass instead of one
 * per rule (most colons of a log are in timestamps and after "name[pid]"): a colon followed by ":"
 * or "/" (IPv6 "::", URLs), after "n" (ARNs), after a letter that ends an assignment word, white
 * space or a quote (assignments), or starting three short gaps to the next colons (full IPv6).
 */
function usefulColons(scan: TextScan): Int32Array {
  const colons = scan.all(':');
  return scan.memo('useful-colons', colons.length, (text, out) => {
    let n = 0;
    for (let k = 0; k < colons.length; k++) {
      const at = colons[k]!;
      const next = text.charCodeAt(at + 1);
      const before = text.charCodeAt(at - 1);
      const lower = before | 32;
      if (
        next === 58 ||
        next === 47 ||
        lower === 110 ||
        lower === 100 ||
        lower === 116 ||
        lower === 121 ||
        before === 34 ||
        before === 39 ||
        isSpaceCode(before)
      ) {
        out[n++] = k;
        continue;
      }
      if (k + 3 < colons.length) {
        const g1 = colons[k + 1]! - at;
        const g2 = colons[k + 2]! - colons[k + 1]!;
        const g3 = colons[k + 3]! - colons[k + 2]!;
        if (g1 >= 2 && g1 <= 5 && g2 >= 2 && g2 <= 5 && g3 >= 2 && g3 <= 5) out[n++] = k;
      }
    }
    return n;
  });
}

/** Last characters of the assignment words below (password, pwd, ...key, client_secret), lower-case. */
const ASSIGNMENT_LAST = 'dty';

/**
 * Where "=" or ":" follows an optional quote and white space after a word ending in one of
 * ASSIGNMENT_LAST (any case): the index just past that word. Shared by the assignment rules.
 */
function assignmentEnds(scan: TextScan): Int32Array {
  const colons = scan.all(':');
  const useful = usefulColons(scan);
  const equals = scan.all('=');
  return scan.memo('assignment-ends', useful.length + equals.length, (text, out) => {
    let n = 0;
    for (let list = 0; list < 2; list++) {
      const length = list === 0 ? useful.length : equals.length;
      for (let k = 0; k < length; k++) {
        let end = list === 0 ? colons[useful[k]!]! : equals[k]!;
        while (end > 0 && isSpaceCode(text.charCodeAt(end - 1))) end--;
        const q = text.charCodeAt(end - 1);
        if (q === 34 || q === 39) end--;
        const last = text.charCodeAt(end - 1) | 32;
        if (last === 100 || last === 116 || last === 121) out[n++] = end;
      }
    }
    return n;
  });
}

/**
 * Starts of `words` (any ASCII case) followed by an optional quote, white space and "=" or ":", found
 * back from each "=" and ":" of the text: where `word["']?\s*[=:]` can match.
 */
function assignmentCandidates(words: readonly string[]): Candidates {
  const lower = words.map((w) => w.toLowerCase());
  for (const w of lower)
    if (!ASSIGNMENT_LAST.includes(w.at(-1)!)) throw new Error(`assignment word ${w}: add its last letter to ASSIGNMENT_LAST`);
  // Words grouped by their last three letters: most ends are refused by those.
  const bySuffix = new Map<string, string[]>();
  for (const w of lower) bySuffix.set(w.slice(-3), [...(bySuffix.get(w.slice(-3)) ?? []), w]);
  const groups = [...bySuffix];
  return (text, scan, out) => {
    const ends = assignmentEnds(scan);
    for (let k = 0; k < ends.length; k++) {
      const end = ends[k]!;
      for (const [suffix, group] of groups) {
        if (!endsWithCaseless(text, end, suffix)) continue;
        for (const w of group) if (endsWithCaseless(text, end, w)) out.push(end - w.length);
      }
    }
  };
}

/**
 * A detector from one regex (global). With `group`, only that capture group is replaced; it must
 * end where the whole match ends (a prefix like `password=` is kept, the value replaced).
 *
 * With `candidates`, the regex is tried (sticky) only where a match can start, in ascending order,
 * from the end of the last match: the same matches the global regex finds scanning every position
 * (it finds the leftmost match from its last end, and no match starts anywhere else), at the cost of
 * a string search instead of a regex step per character.
 */
export function regexDetector(
  id: string,
  kind: string,
  re: RegExp,
  opts: { group?: number; maxLength?: number; accept?: (m: string) => boolean; foldCase?: boolean; candidates?: Candidates } = {},
): Detector {
  const each = matchEach(id, re, opts.candidates);
  return {
    id,
    kind,
    foldCase: opts.foldCase,
    maxLength: opts.maxLength ?? 512,
    find(text, out, scan) {
      each(text, scan, (m) => {
        const end = m.index + m[0].length;
        const value = opts.group === undefined ? m[0] : m[opts.group];
        if (value === undefined || value.length === 0) return;
        if (opts.accept && !opts.accept(value)) return;
        out.push([end - value.length, end]);
      });
    },
  };
}

/**
 * Calls `take` with each non-empty match of the global regex `re` in a text, as `exec` in a loop
 * finds them. With `candidates`, the regex is tried (sticky) only there, in ascending order, from the
 * end of the last match: the same matches, since `exec` finds the leftmost match from there and no
 * match starts anywhere else.
 */
function matchEach(id: string, re: RegExp, candidates?: Candidates) {
  if (!re.global) throw new Error(`detector ${id}: regex must be global`);
  if (!candidates) {
    return (text: string, _scan: TextScan | undefined, take: (m: RegExpExecArray) => void) => {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        take(m);
      }
    };
  }
  const sticky = new RegExp(re.source, `${re.flags.replace('g', '')}y`);
  const starts: number[] = [];
  return (text: string, scan: TextScan | undefined, take: (m: RegExpExecArray) => void) => {
    starts.length = 0;
    candidates(text, scan ?? new TextScan(text), starts);
    if (starts.length === 0) return;
    starts.sort((a, b) => a - b);
    let from = 0;
    for (const start of starts) {
      if (start < from || start > text.length) continue;
      sticky.lastIndex = start;
      const m = sticky.exec(text);
      if (m === null) continue;
      if (m[0].length === 0) {
        from = start + 1;
        continue;
      }
      from = start + m[0].length;
      take(m);
    }
  };
}

const HOST_CHAR = /[A-Za-z0-9-]/;
const WORD_CHAR = /\w/;
const isHostChar = (c: string | undefined) => c !== undefined && HOST_CHAR.test(c);

/** `user@host.tld`: anchored on "@", expanded both ways, validated. */
function emailDetector(): Detector {
  const local = /[A-Za-z0-9._%+-]/;
  return {
    id: 'email',
    kind: 'email',
    foldCase: true,
    maxLength: 320,
    find(text, out) {
      let at = text.indexOf('@');
      while (at >= 0) {
        let s = at;
        while (s > 0 && at - s < 64 && local.test(text[s - 1]!)) s--;
        while (s < at && text[s] === '.') s++;
        let e = at + 1;
        while (e < text.length && e - at < 256 && (isHostChar(text[e]) || text[e] === '.')) e++;
        while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
        const domain = text.slice(at + 1, e);
        if (s < at && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/.test(domain)) out.push([s, e]);
        at = text.indexOf('@', Math.max(e, at + 1));
      }
    },
  };
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/**
 * IPv6: anchored on "::" or on three colon-separated hex groups (the full form), both looked for at
 * the text's colons, expanded over hex digits, colons and dots, validated by node:net. Timestamps (12:34:56)
 * and C++ scopes (std::vector) are not addresses.
 */
function ipv6Detector(): Detector {
  const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  const isPart = (c: string | undefined) => c !== undefined && (isHex(c.charCodeAt(0)) || c === ':' || c === '.');
  const isWord = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);
  /**
   * Whether /:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/ matches at the k-th colon: the next
   * three colons each 2 to 5 characters on (read from the list, not the text), hex digits between
   * (a group takes every hex digit there is, and a colon is not one).
   */
  const fullAt = (text: string, colons: Int32Array, k: number): boolean => {
    if (k + 3 >= colons.length) return false;
    for (let g = 0; g < 3; g++) {
      const gap = colons[k + g + 1]! - colons[k + g]!;
      if (gap < 2 || gap > 5) return false;
    }
    for (let j = colons[k]! + 1, end = colons[k + 3]!; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c !== 58 && !isHex(c)) return false;
    }
    return true;
  };
  const expand = (text: string, at: number, out: Span[]): number => {
    let s = at;
    while (s > 0 && at - s < 40 && isPart(text[s - 1])) s--;
    let e = at + 1;
    while (e < text.length && e - s < 46 && isPart(text[e])) e++;
    // Trailing dots and a trailing single colon belong to the sentence, not the address.
    while (e > s && (text[e - 1] === '.' || (text[e - 1] === ':' && text[e - 2] !== ':'))) e--;
    while (s < at && text[s] === '.') s++;
    const candidate = text.slice(s, e);
    if (
      !isWord(text[s - 1]) &&
      !isWord(text[e]) &&
      /[0-9A-Fa-f]/.test(candidate) &&
      (candidate.includes('::') || candidate.split(':').length === 8) &&
      isIPv6(candidate)
    ) {
      out.push([s, e]);
    }
    return Math.max(e, at + 2);
  };
  return {
    id: 'ipv6',
    kind: 'ip',
    foldCase: true,
    maxLength: 64,
    find(text, out, scan) {
      const shared = scan ?? new TextScan(text);
      const colons = shared.all(':');
      const useful = usefulColons(shared);
      // Each "::" (two colons in a row) from where the last one's expansion ended, as indexOf("::", next) finds them.
      let next = 0;
      for (let u = 0; u < useful.length; u++) {
        const k = useful[u]!;
        const at = colons[k]!;
        if (at >= next && colons[k + 1] === at + 1) next = expand(text, at, out);
      }
      // Then each full form (:h:h:h:, h 1 to 4 hex digits), as that regex scanning from `next` finds them.
      next = 0;
      for (let u = 0; u < useful.length; u++) {
        const k = useful[u]!;
        if (colons[k]! >= next && fullAt(text, colons, k)) next = expand(text, colons[k]!, out);
      }
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Host names under the site's domains: anchored on the domain literal, expanded left over labels. */
export function siteHostDetector(domains: readonly string[]): Detector | null {
  const clean = [
    ...new Set(
      domains
        .map((d) =>
          d
            .trim()
            .toLowerCase()
            .replace(/^\.+|\.+$/g, ''),
        )
        .filter(Boolean),
    ),
  ];
  if (clean.length === 0) return null;
  const re = new RegExp(`(?:${clean.map(escapeRegExp).join('|')})(?![A-Za-z0-9-])`, 'gi');
  // Each domain found by its rarest character in both cases (the regex ignores ASCII case only), when
  // all are ASCII; else the regex scans every position.
  const perDomain = clean.every((d) => /^[\x20-\x7e]+$/.test(d)) ? clean.map((d) => caselessCandidates(d)) : null;
  const candidates: Candidates | undefined = perDomain
    ? (text, scan, out) => {
        for (const domain of perDomain) domain(text, scan, out);
      }
    : undefined;
  const each = matchEach('host', re, candidates);
  return {
    id: 'host',
    kind: 'host',
    foldCase: true,
    maxLength: 256,
    find(text, out, scan) {
      each(text, scan, (m) => {
        const end = m.index + m[0].length;
        // The domain must start at a label boundary: "notcorp.example" is another domain.
        if (isHostChar(text[m.index - 1])) return;
        let s = m.index;
        while (s > 0 && m.index - s < 200 && (isHostChar(text[s - 1]) || (text[s - 1] === '.' && isHostChar(text[s - 2])))) s--;
        while (text[s] === '-') s++;
        out.push([s, end]);
      });
    },
  };
}

/**
 * Characters of log text from the most to the least common (roughly): an exact value is searched by
 * its rarest character, since a string search is as fast as the first character of what it looks for
 * is rare (an "a" stops it every few bytes, a "Q" almost never).
 */
const COMMON_CHARS = ' etaoinsrlcdhu0123456789mpfgyb:-./=_,[]()"\nbwvkxjqzETAOINSRLCDHUMPFGYBWVKXJQZ';

export function rarity(ch: string): number {
  const at = COMMON_CHARS.indexOf(ch);
  return at < 0 ? COMMON_CHARS.length : at;
}

/**
 * Where to search a form: up to 6 characters from its rarest one, at least 3 (or the whole form) so
 * that the search itself refuses most places its first character stands, long enough not to stop
 * often in base64, short enough for V8 to search by the first character (7 and more switch it to a
 * slower Boyer-Moore here).
 */
export function anchorOf(form: string): { anchor: string; offset: number } {
  const least = Math.min(3, form.length);
  let offset = 0;
  for (let k = 1; k + least <= form.length; k++) if (rarity(form[k]!) > rarity(form[offset]!)) offset = k;
  return { anchor: form.slice(offset, offset + 6), offset };
}

interface ExactGroup {
  anchor: string;
  /** Forms that hold the anchor: index in the detector's order, and where the anchor stands in it. */
  members: Array<{ index: number; form: string; offset: number }>;
  /** Per member: where its next match may start (matches of one form do not overlap). */
  free: Int32Array;
}

/**
 * Exact values (vault items and their encodings, sensitive config values), longest first. Forms are
 * searched in groups that share one anchor (a value's lines are in the value, its unpadded base64 in
 * the padded one): one string search per group instead of one per form.
 */
export function exactDetector(id: string, forms: readonly string[]): Detector | null {
  const all = [...new Set(forms)].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
  if (all.length === 0) return null;
  // A form that is another form plus padding or white space is found by that one: fewer passes.
  const kept = all.filter((f) => !all.some((g) => g.length < f.length && f.startsWith(g) && /^[=\s]*$/.test(f.slice(g.length))));
  // Shortest first, each form joins the first group whose anchor it holds, else starts its own: a
  // value's lines come before the value, which then joins a line's group (linear in forms x groups).
  const groups: ExactGroup[] = [];
  const order = kept.map((form, index) => ({ form, index })).sort((a, b) => a.form.length - b.form.length);
  for (const { form, index } of order) {
    const group = groups.find((g) => form.includes(g.anchor));
    if (group) group.members.push({ index, form, offset: form.indexOf(group.anchor) });
    else {
      const { anchor, offset } = anchorOf(form);
      groups.push({ anchor, members: [{ index, form, offset }], free: new Int32Array(0) });
    }
  }
  for (const group of groups) group.free = new Int32Array(group.members.length);
  const found: Span[][] = kept.map(() => []);
  return {
    id,
    kind: id,
    maxLength: all[0]!.length,
    multiline: kept.some((form) => form.includes('\n')),
    find(text, out) {
      for (const { anchor, members, free } of groups) {
        free.fill(0);
        // Every place the anchor stands: each member form is there if it starts at the anchor's place
        // in it, and not inside its own last match (leftmost matches that do not overlap, as
        // indexOf(form) from the end of the last one finds them).
        for (let at = text.indexOf(anchor); at >= 0; at = text.indexOf(anchor, at + 1)) {
          for (let m = 0; m < members.length; m++) {
            const { index, form, offset } = members[m]!;
            const start = at - offset;
            if (start < free[m]! || start < 0 || !text.startsWith(form, start)) continue;
            found[index]!.push([start, start + form.length]);
            free[m] = start + form.length;
          }
        }
      }
      // In the order of the forms, each left to right, as one search per form found them.
      for (const spans of found) {
        for (const span of spans) out.push(span);
        spans.length = 0;
      }
    },
  };
}

/** `scheme://user:password@host`: anchored on "://", only the password replaced. */
function urlPasswordDetector(): Detector {
  const userinfo = /[^\s/:@'"]{1,256}:([^\s/@'"]{1,256})@/y;
  return {
    id: 'url-password',
    kind: 'password',
    maxLength: 600,
    find(text, out, scan) {
      // Every "://" (two never overlap), from the text's colons.
      const shared = scan ?? new TextScan(text);
      const colons = shared.all(':');
      const useful = usefulColons(shared);
      for (let u = 0; u < useful.length; u++) {
        const at = colons[useful[u]!]!;
        if (text.charCodeAt(at + 1) !== 47 || text.charCodeAt(at + 2) !== 47) continue;
        if (!/[A-Za-z0-9+.-]/.test(text[at - 1] ?? '')) continue;
        userinfo.lastIndex = at + 3;
        const m = userinfo.exec(text);
        if (m) out.push([at + 3 + m[0].length - 1 - m[1]!.length, at + 3 + m[0].length - 1]);
      }
    },
  };
}

/**
 * Starts of `word` (ASCII) in any ASCII case, as a case-insensitive regex without the u flag matches
 * it: found by its rarest character, searched in both cases.
 */
export function caselessCandidates(word: string): Candidates {
  const lower = word.toLowerCase();
  let offset = 0;
  for (let k = 1; k < lower.length; k++) if (rarity(lower[k]!) > rarity(lower[offset]!)) offset = k;
  const variants = [...new Set([lower[offset]!, lower[offset]!.toUpperCase()])];
  return (text, _scan, out) => {
    for (const ch of variants) {
      for (let a = text.indexOf(ch, offset); a >= 0; a = text.indexOf(ch, a + 1)) {
        if (endsWithCaseless(text, a - offset + lower.length, lower)) out.push(a - offset);
      }
    }
  };
}

const bearerUpper = prefixCandidates('Bearer', 0, ['Bearer']);
const bearerLower = prefixCandidates('bearer', 0, ['bearer']);

const isDigitCode = (c: number) => c >= 48 && c <= 57;
const isWordCode = (c: number) => isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Where a dotted IPv4 address can start: its first octet is the whole run of 1 to 3 digits before its
 * first dot (the look-behind refuses a word character or a dot before it), and the next two dots
 * follow 2 to 4 characters apart (an octet and its dot).
 */
const ipv4Candidates: Candidates = (text, scan, out) => {
  const dots = scan.all('.');
  for (let k = 0; k + 2 < dots.length; k++) {
    // Three dots each 2 to 4 characters after the last (read from the list, not the text).
    const dot = dots[k]!;
    const gap1 = dots[k + 1]! - dot;
    const gap2 = dots[k + 2]! - dots[k + 1]!;
    if (gap1 < 2 || gap1 > 4 || gap2 < 2 || gap2 > 4) continue;
    let start = dot;
    while (start > 0 && dot - start < 4 && isDigitCode(text.charCodeAt(start - 1))) start--;
    if (start === dot || dot - start > 3) continue;
    const before = text.charCodeAt(start - 1);
    if (start > 0 && (isWordCode(before) || before === 46)) continue;
    out.push(start);
  }
};

/** `arn:` at the text's colons. */
const arnCandidates: Candidates = (text, scan, out) => {
  const colons = scan.all(':');
  const useful = usefulColons(scan);
  for (let u = 0; u < useful.length; u++) {
    const at = colons[useful[u]!]!;
    if (text.charCodeAt(at - 1) === 110 && text.startsWith('ar', at - 3)) out.push(at - 3);
  }
};

/** `?sig=` and `&sig=` at the text's "=". */
const sasCandidates: Candidates = (text, scan, out) => {
  const equals = scan.all('=');
  for (let k = 0; k < equals.length; k++) {
    const at = equals[k]!;
    const c = text.charCodeAt(at - 4);
    if (at >= 4 && (c === 63 || c === 38) && text.startsWith('sig', at - 3)) out.push(at - 4);
  }
};

/** `ya29.` at the text's dots. */
const ya29Candidates: Candidates = (text, scan, out) => {
  const dots = scan.all('.');
  for (let k = 0; k < dots.length; k++) {
    const at = dots[k]!;
    if (text.charCodeAt(at - 1) === 57 && text.startsWith('ya2', at - 4)) out.push(at - 4);
  }
};

/** Every spelling `aws_?secret_?access_?key` allows. */
const AWS_SECRET_WORDS = ['aws', 'aws_'].flatMap((a) =>
  ['secret', 'secret_'].flatMap((b) => ['access', 'access_'].map((c) => `${a}${b}${c}key`)),
);

/**
 * Built-in detectors in priority order: on overlap the earlier one wins. Each regex is tried only
 * where a match can start (its `candidates`, from a search for its rarest literal or from the text's
 * ":", "=" and "." shared by all), which finds exactly what the regex finds scanning every position.
 */
export function builtinDetectors(): Detector[] {
  return [
    {
      ...regexDetector(
        'private-key',
        'key',
        /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
        { maxLength: 64 * 1024, candidates: prefixCandidates('BEGIN ', 5, ['-----BEGIN ']) },
      ),
      multiline: true,
    },
    regexDetector('jwt', 'jwt', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, {
      maxLength: 16 * 1024,
      candidates: prefixCandidates('J', 2, ['eyJ']),
    }),
    regexDetector('bearer', 'token', /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{8,}=*)/g, {
      group: 1,
      maxLength: 8192,
      candidates: (text, scan, out) => {
        bearerUpper(text, scan, out);
        bearerLower(text, scan, out);
      },
    }),
    regexDetector('aws-access-key-id', 'aws-key', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, {
      candidates: prefixCandidates('A', 0, ['AKIA', 'ASIA', 'ABIA', 'ACCA']),
    }),
    regexDetector(
      'aws-secret-key',
      'aws-secret',
      /(?:aws_?secret_?access_?key|secretaccesskey|secret_key)["']?\s*[=:]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
      { group: 1, candidates: assignmentCandidates([...AWS_SECRET_WORDS, 'secretaccesskey', 'secret_key']) },
    ),
    regexDetector('gcp-api-key', 'gcp-key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, {
      candidates: prefixCandidates('za', 2, ['AIza']),
    }),
    regexDetector('gcp-oauth-token', 'token', /\bya29\.[0-9A-Za-z_-]{20,}/g, { maxLength: 4096, candidates: ya29Candidates }),
    regexDetector('azure-sas-signature', 'token', /[?&]sig=([A-Za-z0-9%/+=]{16,})/g, { group: 1, candidates: sasCandidates }),
    urlPasswordDetector(),
    regexDetector(
      'password-assignment',
      'password',
      /\b(?:password|passwd|pwd|accountkey|sharedaccesskey|client_secret|api_?key)["']?\s*[=:]\s*["']?([^\s;'"&,]{1,512})/gi,
      {
        group: 1,
        accept: (v) => !/^\*+$|^\[MASKED/.test(v),
        candidates: assignmentCandidates([
          'password',
          'passwd',
          'pwd',
          'accountkey',
          'sharedaccesskey',
          'client_secret',
          'api_key',
          'apikey',
        ]),
      },
    ),
    emailDetector(),
    regexDetector('aws-arn', 'arn', /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[A-Za-z0-9/_+=.,@:*-]+/g, {
      candidates: arnCandidates,
    }),
    regexDetector(
      'azure-resource-id',
      'azure',
      /\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?:\/resourceGroups\/[^/\s"']+)?(?:\/providers\/[^\s"',;]+)?/gi,
    ),
    regexDetector('gcp-resource-name', 'gcp', /\bprojects\/[a-z][a-z0-9-]{4,28}[a-z0-9](?:\/[a-zA-Z]+\/[^/\s"',;]+)*/g, {
      candidates: prefixCandidates('jects/', 3, ['projects/']),
    }),
    ipv6Detector(),
    regexDetector('ipv4', 'ip', new RegExp(`(?<![\\w.])${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?![\\d]|\\.\\d)`, 'g'), {
      maxLength: 15,
      candidates: ipv4Candidates,
    }),
  ];
}

/** Rule ids that hold secrets (masked in every rule set; the preview never shows their originals). */
export const SECRET_RULES: ReadonlySet<string> = new Set([
  'vault',
  'sensitive',
  'private-key',
  'jwt',
  'bearer',
  'aws-access-key-id',
  'aws-secret-key',
  'gcp-api-key',
  'gcp-oauth-token',
  'azure-sas-signature',
  'url-password',
  'password-assignment',
]);

/** Identifiers: pseudonymised by `default`, so the same host is the same token in every export. */
export const IDENTIFIER_RULES: ReadonlySet<string> = new Set([
  'email',
  'aws-arn',
  'azure-resource-id',
  'gcp-resource-name',
  'ipv4',
  'ipv6',
  'host',
]);

export interface RuleSetDefinition {
  name: string;
  /** Bumped whenever what the rule set does changes; manifests record it with the site hash. */
  version: string;
  description: string;
  /** Action for a built-in rule; `site` is how site patterns' own actions are treated. */
  action(rule: string, siteAction: RedactAction): RedactAction;
}

export const RULE_SETS: Record<RuleSetId, RuleSetDefinition> = {
  default: {
    name: 'default',
    version: '1',
    description: 'Secrets masked, identifiers (hosts, addresses, e-mail, cloud resource ids) pseudonymised, site patterns as each says.',
    action: (rule, siteAction) => (rule.startsWith('site:') ? siteAction : IDENTIFIER_RULES.has(rule) ? 'pseudonymise' : 'mask'),
  },
  strict: {
    name: 'strict',
    version: '1',
    description: 'Everything any rule finds is masked; site patterns that drop still drop.',
    action: (rule, siteAction) => (rule.startsWith('site:') && siteAction === 'drop' ? 'drop' : 'mask'),
  },
};
