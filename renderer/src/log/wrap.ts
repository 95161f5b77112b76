/**
 * How many characters a log line takes on screen, to count the rows it wraps to (the log is
 * monospace and breaks anywhere), without measuring it.
 */

/** What the screen shows of an SGR sequence is nothing; of ESC elsewhere, a three-letter mark. */
const SGR = /\u241b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  let n = text.length;
  if (text.includes('\u241b')) n = text.replace(SGR, '').replaceAll('\u241b', 'ESC').length;
  if (text.includes('\t')) n += 7 * (text.split('\t').length - 1);
  return n;
}
