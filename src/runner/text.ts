/**
 * Task output is shown as text, never interpreted (THREAT_MODEL.md: "terminal escape sequences").
 * Stored logs keep what the task printed (masked); everything that displays it goes through here.
 */

// Control characters are exactly what these patterns look for.
/* eslint-disable no-control-regex */
/** ESC-introduced sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and two-byte escapes. */
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
/** C0 and C1 controls except tab; DEL. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
/* eslint-enable no-control-regex */
/** Bidirectional overrides and isolates that reorder what a reader sees ("trojan source"). */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * One line of task output made safe for a terminal or a text view: escape sequences become a
 * visible `␛[…]` form with their bytes spelled out, other controls `?`, bidi controls `?`.
 */
export function displayLine(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, (seq) => `␛${seq.slice(1).replace(CONTROL, '?')}`)
    .replace(CONTROL, '?')
    .replace(BIDI, '?');
}

/** Multi-line text (a report block): each line neutralised, line breaks kept. */
export function displayText(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => displayLine(line))
    .join('\n');
}
