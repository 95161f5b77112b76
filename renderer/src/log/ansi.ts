/**
 * Terminal colours in task output, rendered as TEXT. The core neutralises every escape sequence
 * into a visible `␛[…` form (src/runner/text.ts); here only SGR sequences (`␛[…m`: colours, bold,
 * underline) are turned into class names on plain text spans. Anything else — cursor moves, OSC
 * links, titles — stays visible as the inert text it is. Nothing here produces HTML.
 */

/** One run of text with the classes of the SGR state it was printed in ('' for none). */
export interface Segment {
  text: string;
  className: string;
}

interface State {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const PLAIN: State = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
// ESC (raw, should a raw one ever reach us) or the visible ␛ the core puts in its place.
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const SGR = /(?:\u001b|\u241b)\[([0-9;]{0,64})m/g;

/** The 256-colour palette folded onto the 16 named colours the theme defines. */
function fold256(n: number): number | null {
  if (n < 16) return n;
  if (n >= 232) return n < 244 ? 8 : 7;
  const c = n - 16;
  const r = Math.floor(c / 36) >= 3 ? 1 : 0;
  const g = Math.floor(c / 6) % 6 >= 3 ? 1 : 0;
  const b = c % 6 >= 3 ? 1 : 0;
  return r + g * 2 + b * 4 + (r + g + b >= 2 ? 8 : 0);
}

function apply(state: State, params: string): State {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  const s = { ...state };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) Object.assign(s, PLAIN);
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 7) s.inverse = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c === 27) s.inverse = false;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 49) s.bg = null;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      const colour = fold256(codes[i + 2] ?? 0);
      if (c === 38) s.fg = colour;
      else s.bg = colour;
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
      // True colour: too many to theme; drop it rather than inject a colour value into styles.
      i += 4;
    }
  }
  return s;
}

function classOf(s: State): string {
  const out: string[] = [];
  const fg = s.inverse ? s.bg : s.fg;
  const bg = s.inverse ? (s.fg ?? 7) : s.bg;
  if (fg !== null) out.push(`ansi-fg-${fg}`);
  if (bg !== null) out.push(`ansi-bg-${bg}`);
  if (s.bold) out.push('ansi-bold');
  if (s.dim) out.push('ansi-dim');
  if (s.italic) out.push('ansi-italic');
  if (s.underline) out.push('ansi-underline');
  return out.join(' ');
}

/** Splits one line into styled text segments. Colours do not carry over to the next line. */
export function parseAnsi(line: string): Segment[] {
  if (line.indexOf('[') < 0) return [{ text: line, className: '' }];
  const out: Segment[] = [];
  let state = PLAIN;
  let last = 0;
  SGR.lastIndex = 0;
  for (let m = SGR.exec(line); m; m = SGR.exec(line)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index), className: classOf(state) });
    state = apply(state, m[1]!);
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push({ text: line.slice(last), className: classOf(state) });
  return out;
}
