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
  /** Finds spans in `text`, in any order; overlaps are settled by the engine (earlier detectors win). */
  find(text: string, out: Span[]): void;
  /** How far a match may reach; a stream holds back at most this much of an unfinished line. */
  maxLength: number;
  /** Matches may cross line ends (a PEM block): the stream handles them specially. */
  multiline?: boolean;
}

/**
 * A detector from one regex (global). With `group`, only that capture group is replaced; it must
 * end where the whole match ends (a prefix like `password=` is kept, the value replaced).
 */
export function regexDetector(
  id: string,
  kind: string,
  re: RegExp,
  opts: { group?: number; maxLength?: number; accept?: (m: string) => boolean; foldCase?: boolean } = {},
): Detector {
  if (!re.global) throw new Error(`detector ${id}: regex must be global`);
  return {
    id,
    kind,
    foldCase: opts.foldCase,
    maxLength: opts.maxLength ?? 512,
    find(text, out) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const end = m.index + m[0].length;
        const value = opts.group === undefined ? m[0] : m[opts.group];
        if (value === undefined || value.length === 0) continue;
        if (opts.accept && !opts.accept(value)) continue;
        out.push([end - value.length, end]);
      }
    },
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
 * IPv6: anchored on "::" (found with indexOf) or on three colon-separated hex groups (the full
 * form), expanded over hex digits, colons and dots, validated by node:net. Timestamps (12:34:56)
 * and C++ scopes (std::vector) are not addresses.
 */
function ipv6Detector(): Detector {
  const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  const isPart = (c: string | undefined) => c !== undefined && (isHex(c.charCodeAt(0)) || c === ':' || c === '.');
  const isWord = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);
  const full = /:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/g;
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
    find(text, out) {
      for (let at = text.indexOf('::'); at >= 0; at = text.indexOf('::', expand(text, at, out)));
      full.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = full.exec(text)) !== null) full.lastIndex = expand(text, m.index, out);
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
  return {
    id: 'host',
    kind: 'host',
    foldCase: true,
    maxLength: 256,
    find(text, out) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const end = m.index + m[0].length;
        // The domain must start at a label boundary: "notcorp.example" is another domain.
        if (isHostChar(text[m.index - 1])) continue;
        let s = m.index;
        while (s > 0 && m.index - s < 200 && (isHostChar(text[s - 1]) || (text[s - 1] === '.' && isHostChar(text[s - 2])))) s--;
        while (text[s] === '-') s++;
        out.push([s, end]);
      }
    },
  };
}

/**
 * Characters of log text from the most to the least common (roughly): an exact value is searched by
 * its rarest character, since a string search is as fast as the first character of what it looks for
 * is rare (an "a" stops it every few bytes, a "Q" almost never).
 */
const COMMON_CHARS = ' etaoinsrlcdhu0123456789mpfgyb:-./=_,[]()"bwvkxjqzETAOINSRLCDHUMPFGYBWVKXJQZ';

function rarity(ch: string): number {
  const at = COMMON_CHARS.indexOf(ch);
  return at < 0 ? COMMON_CHARS.length : at;
}

/**
 * Where to search a form: up to 6 characters from its rarest one, long enough not to stop often in
 * base64, short enough for V8 to search by the first character (7 and more switch it to a slower
 * Boyer-Moore here).
 */
function anchorOf(form: string): { anchor: string; offset: number } {
  const width = Math.min(6, form.length);
  let offset = 0;
  for (let k = 1; k + width <= form.length; k++) if (rarity(form[k]!) > rarity(form[offset]!)) offset = k;
  return { anchor: form.slice(offset, offset + width), offset };
}

/** Exact values (vault items and their encodings, sensitive config values): one search per form, longest first. */
export function exactDetector(id: string, forms: readonly string[]): Detector | null {
  const all = [...new Set(forms)].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
  if (all.length === 0) return null;
  // A form that is another form plus padding or white space is found by that one: fewer passes.
  const sorted = all
    .filter((f) => !all.some((g) => g.length < f.length && f.startsWith(g) && /^[=\s]*$/.test(f.slice(g.length))))
    .map((form) => ({ form, ...anchorOf(form) }));
  return {
    id,
    kind: id,
    maxLength: all[0]!.length,
    multiline: sorted.some(({ form }) => form.includes('\n')),
    find(text, out) {
      for (const { form, anchor, offset } of sorted) {
        // Leftmost matches that do not overlap, as indexOf(form) from the end of the last one finds them.
        let free = 0;
        for (let at = text.indexOf(anchor, offset); at >= 0; at = text.indexOf(anchor, at + 1)) {
          const start = at - offset;
          if (start < free || !text.startsWith(form, start)) continue;
          out.push([start, start + form.length]);
          free = start + form.length;
          at = free + offset - 1;
        }
      }
    },
  };
}

/** `scheme://user:password@host`: anchored on "://" (indexOf), only the password replaced. */
function urlPasswordDetector(): Detector {
  const userinfo = /[^\s/:@'"]{1,256}:([^\s/@'"]{1,256})@/y;
  return {
    id: 'url-password',
    kind: 'password',
    maxLength: 600,
    find(text, out) {
      for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
        if (!/[A-Za-z0-9+.-]/.test(text[at - 1] ?? '')) continue;
        userinfo.lastIndex = at + 3;
        const m = userinfo.exec(text);
        if (m) out.push([at + 3 + m[0].length - 1 - m[1]!.length, at + 3 + m[0].length - 1]);
      }
    },
  };
}

/** Built-in detectors in priority order: on overlap the earlier one wins. */
export function builtinDetectors(): Detector[] {
  return [
    {
      ...regexDetector(
        'private-key',
        'key',
        /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
        { maxLength: 64 * 1024 },
      ),
      multiline: true,
    },
    regexDetector('jwt', 'jwt', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, { maxLength: 16 * 1024 }),
    regexDetector('bearer', 'token', /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{8,}=*)/g, { group: 1, maxLength: 8192 }),
    regexDetector('aws-access-key-id', 'aws-key', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g),
    regexDetector(
      'aws-secret-key',
      'aws-secret',
      /(?:aws_?secret_?access_?key|secretaccesskey|secret_key)["']?\s*[=:]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
      { group: 1 },
    ),
    regexDetector('gcp-api-key', 'gcp-key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g),
    regexDetector('gcp-oauth-token', 'token', /\bya29\.[0-9A-Za-z_-]{20,}/g, { maxLength: 4096 }),
    regexDetector('azure-sas-signature', 'token', /[?&]sig=([A-Za-z0-9%/+=]{16,})/g, { group: 1 }),
    urlPasswordDetector(),
    regexDetector(
      'password-assignment',
      'password',
      /\b(?:password|passwd|pwd|accountkey|sharedaccesskey|client_secret|api_?key)["']?\s*[=:]\s*["']?([^\s;'"&,]{1,512})/gi,
      { group: 1, accept: (v) => !/^\*+$|^\[MASKED/.test(v) },
    ),
    emailDetector(),
    regexDetector('aws-arn', 'arn', /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[A-Za-z0-9/_+=.,@:*-]+/g),
    regexDetector(
      'azure-resource-id',
      'azure',
      /\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?:\/resourceGroups\/[^/\s"']+)?(?:\/providers\/[^\s"',;]+)?/gi,
    ),
    regexDetector('gcp-resource-name', 'gcp', /\bprojects\/[a-z][a-z0-9-]{4,28}[a-z0-9](?:\/[a-zA-Z]+\/[^/\s"',;]+)*/g),
    ipv6Detector(),
    regexDetector('ipv4', 'ip', new RegExp(`(?<![\\w.])${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?![\\d]|\\.\\d)`, 'g'), { maxLength: 15 }),
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
