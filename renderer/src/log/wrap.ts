/**
 * Where each line starts when long lines wrap: rows per line counted from its characters (the log
 * is monospace and breaks anywhere), kept as a running sum so finding the line at a scroll position
 * is a binary search. New lines extend the sums; a new width starts them again.
 */
import type { LogBuffer } from './buffer';

/** What the screen shows of an SGR sequence is nothing; of ESC elsewhere, a three-letter mark. */
const SGR = /\u241b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  let n = text.length;
  if (text.includes('\u241b')) n = text.replace(SGR, '').replaceAll('\u241b', 'ESC').length;
  if (text.includes('\t')) n += 7 * (text.split('\t').length - 1);
  return n;
}

export class WrapIndex {
  /** starts[i] = the row line i starts on; starts[count] = every row. */
  private starts = new Float64Array(1024);
  private counted = 0;

  constructor(readonly columns: number) {}

  /** Counts the lines not counted yet; returns the number of rows. */
  update(buffer: LogBuffer): number {
    const count = buffer.count;
    if (count + 1 > this.starts.length) {
      const grown = new Float64Array(Math.max(count + 1, this.starts.length * 2));
      grown.set(this.starts.subarray(0, this.counted + 1));
      this.starts = grown;
    }
    for (let i = this.counted; i < count; i++) {
      this.starts[i + 1] = this.starts[i]! + Math.max(1, Math.ceil(visibleLength(buffer.text(i)) / this.columns));
    }
    this.counted = count;
    return this.starts[count]!;
  }

  rowOf(line: number): number {
    return this.starts[line]!;
  }

  rowsOf(line: number): number {
    return this.starts[line + 1]! - this.starts[line]!;
  }

  /** The line shown on `row`. */
  lineAt(row: number): number {
    let lo = 0;
    let hi = Math.max(0, this.counted - 1);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
