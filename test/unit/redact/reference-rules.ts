/**
 * The detectors as they were before issue 19 (each regex run over every position of the text, each
 * anchor searched on its own): the oracle the new, candidate-driven detectors are held to in
 * equivalence.test.ts. Not used by the product.
 */
import { isIPv6 } from 'node:net';
import type { Detector, Span } from '../../../src/redact/detectors';

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
export function referenceSiteHostDetector(domains: readonly string[]): Detector | null {
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
export function referenceBuiltinDetectors(): Detector[] {
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
