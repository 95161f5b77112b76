/**
 * Where the built-in rules' matches can start, from the text's shared ':', '=' and '.' positions
 * (TextScan): the colons any rule can use, assignment words before "=" or ":", dotted IPv4 starts,
 * ARNs, SAS signatures and Google OAuth tokens.
 */
import { endsWithCaseless, isSpaceCode, prefixCandidates, type Candidates, type PositionsFill, type TextScan } from './scan';

/** Whether `c` is an ASCII hex digit. */
export const isHexCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * Whether /:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/ matches at the colon at `at` (the
 * full form of IPv6), read from the text: three runs of 1 to 4 hex digits, each ended by a colon (a
 * run takes every hex digit there is, and a colon is not one). A timestamp (12:34:56.789) fails at
 * its first dot.
 */
export function fullIPv6At(text: string, at: number): boolean {
  let p = at + 1;
  for (let g = 0; g < 3; g++) {
    const start = p;
    while (p - start < 5 && isHexCode(text.charCodeAt(p))) p++;
    if (p === start || p - start > 4 || text.charCodeAt(p) !== 58) return false;
    p++;
  }
  return true;
}

/**
 * The colons any colon rule can use, found in one pass of the text instead of one per rule (most
 * colons of a log are in timestamps and after "name[pid]", and are left out here): a colon followed
 * by ":" or "/" (IPv6 "::", URLs), after "n" (ARNs), after a letter that ends an assignment word,
 * white space or a quote (assignments), or where the full form of IPv6 starts. Their positions, ascending.
 */
export function usefulColons(scan: TextScan): Int32Array {
  return scan.memo('useful-colons', fillUsefulColons);
}

const isDigitCode = (c: number) => c >= 48 && c <= 57;

const fillUsefulColons: PositionsFill = (text, out) => {
  for (let at = text.indexOf(':'); at >= 0; at = text.indexOf(':', at + 1)) {
    // A time of day (d:dd:dd, then neither a hex digit nor a colon): neither colon is of use (digits
    // around both, and the full form fails at the seconds' end), so both are passed over at once.
    if (
      text.charCodeAt(at + 3) === 58 &&
      isDigitCode(text.charCodeAt(at - 1)) &&
      isDigitCode(text.charCodeAt(at + 1)) &&
      isDigitCode(text.charCodeAt(at + 2)) &&
      isDigitCode(text.charCodeAt(at + 4)) &&
      isDigitCode(text.charCodeAt(at + 5))
    ) {
      const after = text.charCodeAt(at + 6);
      if (after !== 58 && !isHexCode(after)) {
        at += 3;
        continue;
      }
    }
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
      isSpaceCode(before) ||
      (isHexCode(next) && fullIPv6At(text, at))
    )
      out.push(at);
  }
};

/** Last characters of the assignment words below (password, pwd, ...key, client_secret), lower-case. */
const ASSIGNMENT_LAST = 'dty';

/**
 * Where "=" or ":" follows an optional quote and white space after a word ending in one of
 * ASSIGNMENT_LAST (any case): the index just past that word. Shared by the assignment rules.
 */
function assignmentEnds(scan: TextScan): Int32Array {
  return scan.memo('assignment-ends', fillAssignmentEnds);
}

const fillAssignmentEnds: PositionsFill = (text, out, _key, scan) => {
  const useful = usefulColons(scan);
  const equals = scan.all('=');
  for (let list = 0; list < 2; list++) {
    const length = list === 0 ? useful.length : equals.length;
    for (let k = 0; k < length; k++) {
      let end = list === 0 ? useful[k]! : equals[k]!;
      while (end > 0 && isSpaceCode(text.charCodeAt(end - 1))) end--;
      const q = text.charCodeAt(end - 1);
      if (q === 34 || q === 39) end--;
      const last = text.charCodeAt(end - 1) | 32;
      if (last === 100 || last === 116 || last === 121) out.push(end);
    }
  }
};

/**
 * Starts of `words` (any ASCII case) followed by an optional quote, white space and "=" or ":", found
 * back from each "=" and ":" of the text: where `word["']?\s*[=:]` can match.
 */
export function assignmentCandidates(words: readonly string[]): Candidates {
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

const bearerUpper = prefixCandidates('Bearer', 0, ['Bearer']);
const bearerLower = prefixCandidates('bearer', 0, ['bearer']);

/** `Bearer` and `bearer`, each searched whole. */
export const bearerCandidates: Candidates = (text, scan, out) => {
  bearerUpper(text, scan, out);
  bearerLower(text, scan, out);
};

const isWordCode = (c: number) => isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Where a dotted IPv4 address can start: its first octet is the whole run of 1 to 3 digits before its
 * first dot (the look-behind refuses a word character or a dot before it), and the next two dots
 * follow 2 to 4 characters apart (an octet and its dot).
 */
export const ipv4Candidates: Candidates = (text, scan, out) => {
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
export const arnCandidates: Candidates = (text, scan, out) => {
  const useful = usefulColons(scan);
  for (let u = 0; u < useful.length; u++) {
    const at = useful[u]!;
    if (text.charCodeAt(at - 1) === 110 && text.startsWith('ar', at - 3)) out.push(at - 3);
  }
};

/** `?sig=` and `&sig=` at the text's "=". */
export const sasCandidates: Candidates = (text, scan, out) => {
  const equals = scan.all('=');
  for (let k = 0; k < equals.length; k++) {
    const at = equals[k]!;
    const c = text.charCodeAt(at - 4);
    if (at >= 4 && (c === 63 || c === 38) && text.startsWith('sig', at - 3)) out.push(at - 4);
  }
};

/** `ya29.` at the text's dots. */
export const ya29Candidates: Candidates = (text, scan, out) => {
  const dots = scan.all('.');
  for (let k = 0; k < dots.length; k++) {
    const at = dots[k]!;
    if (text.charCodeAt(at - 1) === 57 && text.startsWith('ya2', at - 4)) out.push(at - 4);
  }
};
