/**
 * Where the redaction rules look (docs/redaction.md): the positions of a few anchor characters in one
 * text, found once and shared by every rule (TextScan), and the generic ways to list where a regex's
 * match can start (Candidates) from a literal, a literal prefix or a word in any ASCII case.
 */

/** Positions found in one text, in an array kept between texts and grown when full. */
export class Positions {
  at = new Int32Array(1024);
  n = 0;
  /** Filled for the current text. */
  done = false;

  push(i: number): void {
    if (this.n === this.at.length) {
      const grown = new Int32Array(this.at.length * 2);
      grown.set(this.at);
      this.at = grown;
    }
    this.at[this.n++] = i;
  }
}

/** Fills `into` (empty) with the positions listed under `key` in `text`; `scan` gives the lists it builds on. */
export type PositionsFill = (text: string, into: Positions, key: string, scan: TextScan) => void;

/** The positions of the one character `ch` in `text`, ascending. */
const characterPositions: PositionsFill = (text, into, ch) => {
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) into.push(i);
};

/**
 * The positions of a few characters in one text, each found once (a string search runs at memory
 * speed on one character) and shared by every detector anchored on it: ':' serves IPv6, URL
 * passwords, ARNs and assignments, '=' the assignments and SAS signatures, '.' IPv4. Lists derived
 * from those (the colons a rule can use) are kept the same way, under a longer key.
 */
export class TextScan {
  private text = '';
  /** Per key (one character, or a derived list's name): its positions in `text`. Reused between texts. */
  private readonly lists = new Map<string, Positions>();

  constructor(text = '') {
    this.text = text;
  }

  /** Starts over on another text, keeping the arrays. */
  reset(text: string): this {
    this.text = text;
    for (const list of this.lists.values()) list.done = false;
    return this;
  }

  /** Every index of the one character `ch` in the text, ascending. */
  all(ch: string): Int32Array {
    if (ch.length !== 1) throw new Error(`TextScan.all: one character, not "${ch}"`);
    return this.memo(ch, characterPositions);
  }

  /**
   * The list under `key`, filled once per text by `fill` and shared by the detectors that ask for it.
   * Keys of derived lists are longer than one character (one character is `all`'s).
   */
  memo(key: string, fill: PositionsFill): Int32Array {
    let list = this.lists.get(key);
    if (!list) {
      list = new Positions();
      this.lists.set(key, list);
    }
    if (!list.done) {
      list.n = 0;
      fill(this.text, list, key, this);
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

/** JavaScript's \s, by character code. */
export function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
}

/**
 * Whether `word` (lower-case ASCII) ends at index `end` (exclusive) of `text` in any ASCII case, as
 * a case-insensitive regex matches it (without the u flag no other character matches an ASCII letter).
 */
export function endsWithCaseless(text: string, end: number, word: string): boolean {
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
