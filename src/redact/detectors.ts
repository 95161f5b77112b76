/**
 * The detectors of the redaction engine (docs/redaction.md): a regex tried where its match can start,
 * and the rules validated in code (e-mail, IPv6, site hosts, exact values, URL passwords). A detector
 * finds spans; the rule sets (./rules) give each an action.
 */
import { isIPv6 } from 'node:net';
import { fullIPv6At, isHexCode, usefulColons } from './candidates';
import { anchorOf, caselessCandidates, TextScan, type Candidates } from './scan';

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
export function emailDetector(): Detector {
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

/**
 * IPv6: anchored on "::" or on three colon-separated hex groups (the full form), both looked for at
 * the text's useful colons (./candidates), expanded over hex digits, colons and dots, validated by node:net. Timestamps (12:34:56)
 * and C++ scopes (std::vector) are not addresses.
 */
export function ipv6Detector(): Detector {
  const isPart = (c: string | undefined) => c !== undefined && (isHexCode(c.charCodeAt(0)) || c === ':' || c === '.');
  const isWord = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);
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
      const useful = usefulColons(shared);
      // Each "::" (two colons in a row) from where the last one's expansion ended, as indexOf("::", next) finds them.
      let next = 0;
      for (let u = 0; u < useful.length; u++) {
        const at = useful[u]!;
        if (at >= next && text.charCodeAt(at + 1) === 58) next = expand(text, at, out);
      }
      // Then each full form (:h:h:h:, h 1 to 4 hex digits), as that regex scanning from `next` finds them.
      next = 0;
      for (let u = 0; u < useful.length; u++) {
        const at = useful[u]!;
        if (at >= next && fullIPv6At(text, at)) next = expand(text, at, out);
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
export function urlPasswordDetector(): Detector {
  const userinfo = /[^\s/:@'"]{1,256}:([^\s/@'"]{1,256})@/y;
  return {
    id: 'url-password',
    kind: 'password',
    maxLength: 600,
    find(text, out, scan) {
      // Every "://" (two never overlap), from the text's colons.
      const shared = scan ?? new TextScan(text);
      const useful = usefulColons(shared);
      for (let u = 0; u < useful.length; u++) {
        const at = useful[u]!;
        if (text.charCodeAt(at + 1) !== 47 || text.charCodeAt(at + 2) !== 47) continue;
        if (!/[A-Za-z0-9+.-]/.test(text[at - 1] ?? '')) continue;
        userinfo.lastIndex = at + 3;
        const m = userinfo.exec(text);
        if (m) out.push([at + 3 + m[0].length - 1 - m[1]!.length, at + 3 + m[0].length - 1]);
      }
    },
  };
}
