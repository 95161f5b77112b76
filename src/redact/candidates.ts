/**
 * Where the built-in rules' matches can start, from the text's shared ':', '=' and '.' positions
 * (TextScan): the colons any rule can use, assignment words before "=" or ":", dotted IPv4 starts,
 * ARNs, SAS signatures and Google OAuth tokens.
 */
import { endsWithCaseless, isSpaceCode, prefixCandidates, type Candidates, type PositionsFill, type TextScan } from './scan';

/**
 * The colons any colon rule can use, as indexes into scan.all(':'), found in one pass instead of one
 * per rule (most colons of a log are in timestamps and after "name[pid]"): a colon followed by ":"
 * or "/" (IPv6 "::", URLs), after "n" (ARNs), after a letter that ends an assignment word, white
 * space or a quote (assignments), or starting three short gaps to the next colons (full IPv6).
 */
export function usefulColons(scan: TextScan): Int32Array {
  return scan.memo('useful-colons', fillUsefulColons);
}

const fillUsefulColons: PositionsFill = (text, out, _key, scan) => {
  const colons = scan.all(':');
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
      out.push(k);
      continue;
    }
    if (k + 3 < colons.length) {
      const g1 = colons[k + 1]! - at;
      const g2 = colons[k + 2]! - colons[k + 1]!;
      const g3 = colons[k + 3]! - colons[k + 2]!;
      if (g1 >= 2 && g1 <= 5 && g2 >= 2 && g2 <= 5 && g3 >= 2 && g3 <= 5) out.push(k);
    }
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
  const colons = scan.all(':');
  const useful = usefulColons(scan);
  const equals = scan.all('=');
  for (let list = 0; list < 2; list++) {
    const length = list === 0 ? useful.length : equals.length;
    for (let k = 0; k < length; k++) {
      let end = list === 0 ? colons[useful[k]!]! : equals[k]!;
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

const isDigitCode = (c: number) => c >= 48 && c <= 57;
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
  const colons = scan.all(':');
  const useful = usefulColons(scan);
  for (let u = 0; u < useful.length; u++) {
    const at = colons[useful[u]!]!;
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
