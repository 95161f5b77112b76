/**
 * The redaction engine (docs/redaction.md): one Redactor per egress, from a rule set, the site's
 * patterns and domains, the pseudonym key and the exact values to mask. Pure: what it needs from the
 * store comes in `deps` (src/redact/core.ts builds them from a Core).
 */
import { createHash, createHmac } from 'node:crypto';
import { secretForms } from './mask';
import { exactDetector, siteHostDetector, type Detector, type Span } from './detectors';
import { builtinDetectors, RULE_SETS } from './rules';
import { TextScan } from './scan';
import { ApiError } from '../kernel';
import { certainPrefix, compileSitePattern, sitePatternDetector, type SitePattern } from './patterns';
import type { RedactAction, Redactor, RedactorOptions, RedactResult, Replacement } from './types';

export interface RedactorDeps {
  /** 32 random bytes kept in the encrypted store: the HMAC key of pseudonyms. */
  pseudonymKey: Buffer;
  sitePatterns: readonly SitePattern[];
  /** Domains whose host names are identifiers (setting `redact.siteDomains`). */
  siteDomains: readonly string[];
  /** Stores token -> original in the reverse map (only when options.record). */
  recordPseudonym?(kind: string, token: string, original: string): void;
  /** The original a token already stands for in the reverse map, if any (collision check). */
  pseudonymOriginal?(token: string): string | undefined;
}

interface Rule {
  detector: Detector;
  action: RedactAction;
}

interface Hit {
  start: number;
  end: number;
  rule: Rule;
}

/** Shortest pseudonym suffix (hex digits of the HMAC); longer only on a collision. */
export const PSEUDONYM_HEX = 6;
/** A line longer than this is cut for streaming (with the tail of the longest match held back). */
const STREAM_LINE_HOLD = 64 * 1024;
/** Texts up to this long share one array of taken characters (see `find`); longer ones get their own. */
const REUSED_COVER = 1024 * 1024;
/** An unfinished PEM block held this long is masked whole without waiting for its end. */
const STREAM_KEY_HOLD = 64 * 1024;

const KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

const KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

/** Start of the first private key that begins before `limit` and does not end in `text`, or -1. */
function openKeyStart(text: string, limit: number): number {
  // "BEGIN" first: a search for "-----BEGIN" stops at every "-" of the text.
  const begin = text.indexOf('BEGIN ');
  if (begin < 5) return -1;
  KEY_BEGIN.lastIndex = begin - 5;
  let m: RegExpExecArray | null;
  while ((m = KEY_BEGIN.exec(text)) !== null && m.index < limit) {
    KEY_END.lastIndex = m.index;
    const end = KEY_END.exec(text);
    // Closed only if its END line is in what is about to be emitted.
    if (!end || end.index + end[0].length > limit) return m.index;
    KEY_BEGIN.lastIndex = end.index + end[0].length;
  }
  return -1;
}

/** The version a manifest records: the rule set's own, plus a hash of the site's patterns and domains. */
export function ruleSetVersion(base: string, sitePatterns: readonly SitePattern[], siteDomains: readonly string[]): string {
  if (sitePatterns.length === 0 && siteDomains.length === 0) return base;
  const site = {
    patterns: [...sitePatterns].sort((a, b) => a.name.localeCompare(b.name)).map((p) => [p.name, p.regex, p.action]),
    domains: [...siteDomains].map((d) => d.toLowerCase()).sort(),
  };
  return `${base}+site.${createHash('sha256').update(JSON.stringify(site)).digest('hex').slice(0, 8)}`;
}

export function pseudonymFor(key: Buffer, kind: string, original: string, hexLength = PSEUDONYM_HEX): string {
  const mac = createHmac('sha256', key)
    .update(kind)
    .update(Buffer.from([0]))
    .update(original)
    .digest('hex');
  return `${kind}-${mac.slice(0, hexLength)}`;
}

/**
 * A string with characters of its own: V8 makes a slice of 13 characters or more a view of its parent
 * string, which then lives as long as the slice does. UTF-16 both ways: every code unit kept, lone
 * surrogates too.
 */
function ownCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

function replacementText(rule: Rule, token: () => string): string {
  if (rule.action === 'drop') return '';
  if (rule.action === 'mask') return `[MASKED:${rule.detector.id}]`;
  return token();
}

/** A stored pattern accepted by an older version may not compile for the linear engine: say what to do. */
function compileSite(p: SitePattern) {
  try {
    return compileSitePattern(p.regex);
  } catch {
    throw new ApiError(
      'INVALID_INPUT',
      `The site redaction pattern "${p.name}" is not valid for the linear-time engine: an admin removes it ("redact patterns remove ${p.name}") and adds it again in RE2 syntax.`,
    );
  }
}

export function createRedactor(deps: RedactorDeps, options: RedactorOptions = {}): Redactor {
  const setName = options.ruleSet ?? 'default';
  if (!Object.hasOwn(RULE_SETS, setName)) throw new Error(`unknown rule set ${setName}`);
  const set = RULE_SETS[setName as keyof typeof RULE_SETS];
  const record = options.record ?? false;

  const detectors: Array<{ detector: Detector; siteAction: RedactAction }> = [];
  const add = (d: Detector | null, siteAction: RedactAction = 'mask') => {
    if (d) detectors.push({ detector: d, siteAction });
  };
  add(
    exactDetector(
      'vault',
      (options.secrets ?? []).flatMap((v) => secretForms(v)),
    ),
  );
  add(
    exactDetector(
      'sensitive',
      (options.sensitiveValues ?? []).flatMap((v) => secretForms(v)),
    ),
  );
  for (const d of builtinDetectors()) add(d);
  add(siteHostDetector(deps.siteDomains));
  for (const p of deps.sitePatterns)
    add(sitePatternDetector(`site:${p.name}`, p.name, compileSite(p), 1024, certainPrefix(p.regex)), p.action);
  const rules: Rule[] = detectors.map(({ detector, siteAction }) => ({ detector, action: set.action(detector.id, siteAction) }));
  const multilineForms = [...(options.secrets ?? []), ...(options.sensitiveValues ?? [])]
    .flatMap((v) => secretForms(v))
    .filter((f) => f.includes('\n'));
  const longestMatch = Math.max(...rules.filter((r) => !r.detector.multiline).map((r) => r.detector.maxLength));

  const counts: Record<string, number> = {};
  const tokens = new Map<string, string>();
  const originals = new Map<string, string>();

  const pseudonym = (kind: string, found: string): string => {
    const cached = tokens.get(`${kind}\0${found}`);
    if (cached) return cached;
    // `found` is a slice of the chunk and would keep the whole chunk alive in the maps below (every
    // chunk with a new identifier, promoted to the old generation): keep a copy of its own instead.
    const original = ownCopy(found);
    const cacheKey = `${kind}\0${original}`;
    let token = '';
    for (let len = PSEUDONYM_HEX; len <= 64; len += 2) {
      token = pseudonymFor(deps.pseudonymKey, kind, original, len);
      const taken = originals.get(token) ?? deps.pseudonymOriginal?.(token);
      if (taken === undefined || taken === original) break;
    }
    tokens.set(cacheKey, token);
    originals.set(token, original);
    if (record) deps.recordPseudonym?.(kind, token, original);
    return token;
  };

  /**
   * Which characters a hit has taken, for `find`: reused between texts (a stream's chunks) and cleared
   * where it was set, instead of a new zeroed array per text.
   */
  let reusable = new Uint8Array(0);
  /** The positions of anchor characters in the text `find` works on, shared by the detectors. */
  const scan = new TextScan();

  /** Every hit in `text`, earlier rules winning overlaps, sorted by position. */
  const find = (text: string): Hit[] => {
    const hits: Hit[] = [];
    let covered: Uint8Array | null = null;
    const spans: Span[] = [];
    scan.reset(text);
    for (const rule of rules) {
      spans.length = 0;
      rule.detector.find(text, spans, scan);
      for (const [start, end] of spans) {
        if (covered === null) {
          if (text.length > REUSED_COVER) covered = new Uint8Array(text.length);
          else {
            if (reusable.length < text.length) reusable = new Uint8Array(Math.max(text.length, 64 * 1024));
            covered = reusable;
          }
        }
        let free = true;
        for (let i = start; i < end; i++) {
          if (covered[i]) {
            free = false;
            break;
          }
        }
        if (!free) continue;
        covered.fill(1, start, end);
        hits.push({ start, end, rule });
      }
    }
    if (covered === reusable) for (const hit of hits) reusable.fill(0, hit.start, hit.end);
    return hits.sort((a, b) => a.start - b.start);
  };

  const apply = (text: string, hits: readonly Hit[], list: Replacement[] | null): string => {
    if (hits.length === 0) return text;
    let out = '';
    let at = 0;
    for (const hit of hits) {
      const original = text.slice(hit.start, hit.end);
      const { detector } = hit.rule;
      const replacement = replacementText(hit.rule, () => pseudonym(detector.kind, detector.foldCase ? original.toLowerCase() : original));
      counts[detector.id] = (counts[detector.id] ?? 0) + 1;
      list?.push({ rule: detector.id, action: hit.rule.action, start: hit.start, end: hit.end, original, replacement });
      out += text.slice(at, hit.start) + replacement;
      at = hit.end;
    }
    return out + text.slice(at);
  };

  const redact = (text: string): RedactResult => {
    const replacements: Replacement[] = [];
    return { text: apply(text, find(text), replacements), replacements };
  };

  const redactValue = (value: unknown): { value: unknown; replacements: number } => {
    let n = 0;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') {
        const hits = find(v);
        n += hits.length;
        return apply(v, hits, null);
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    const out = walk(value);
    return { value: out, replacements: n };
  };

  /** Start of the longest suffix of `text` that could begin a multi-line exact value. */
  const partialMultiline = (text: string): number => {
    let best = text.length;
    for (const form of multilineForms) {
      // Only where the form's first character stands: linear in the chunk, not in chunk x form.
      for (
        let i = text.indexOf(form[0]!, Math.max(0, text.length - form.length + 1));
        i >= 0 && i < best;
        i = text.indexOf(form[0]!, i + 1)
      ) {
        if (form.startsWith(text.slice(i))) {
          best = i;
          break;
        }
      }
    }
    return best;
  };

  const stream = () => {
    let held = '';
    let inKey = false;
    const emit = (text: string) => apply(text, find(text), null);
    const push = (chunk: string): string => {
      let buf = held + chunk;
      if (inKey) {
        // Inside a private key too long to hold: everything up to its END line is gone.
        KEY_END.lastIndex = 0;
        const end = KEY_END.exec(buf);
        if (!end) {
          held = buf.slice(Math.max(0, buf.length - 64));
          return '';
        }
        inKey = false;
        buf = buf.slice(end.index + end[0].length);
      }
      const lineStart = buf.lastIndexOf('\n') + 1;
      let cut = lineStart;
      if (buf.length - lineStart > STREAM_LINE_HOLD) {
        // One very long unfinished line: pass on all but the tail a match could still reach into.
        cut = buf.length - longestMatch;
        for (const hit of find(buf.slice(lineStart)))
          if (lineStart + hit.start < cut && lineStart + hit.end > cut) cut = lineStart + hit.start;
      }
      const begin = openKeyStart(buf, cut);
      if (begin >= 0) {
        if (buf.length - begin > STREAM_KEY_HOLD) {
          counts['private-key'] = (counts['private-key'] ?? 0) + 1;
          inKey = true;
          held = '';
          return `${emit(buf.slice(0, begin))}[MASKED:private-key]`;
        }
        cut = begin;
      }
      if (multilineForms.length > 0) cut = Math.min(cut, partialMultiline(buf));
      held = buf.slice(cut);
      return emit(buf.slice(0, cut));
    };
    const flush = (): string => {
      const rest = inKey ? '' : held;
      held = '';
      inKey = false;
      return emit(rest);
    };
    return { push, flush };
  };

  return {
    ruleSet: set.name,
    version: ruleSetVersion(set.version, deps.sitePatterns, deps.siteDomains),
    redact,
    redactValue,
    stream,
    counts: () => ({ ...counts }),
  };
}
