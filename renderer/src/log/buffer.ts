/**
 * A run's log held compactly for a million lines and more: parallel arrays, no object per line.
 * Lines arrive in seq order (paged reads, then the live subscription); a repeated seq is ignored.
 */
export type Stream = 'stdout' | 'stderr' | 'system';
const STREAMS: readonly Stream[] = ['stdout', 'stderr', 'system'];

/** A line that reads like a failure: the first one is where "Jump to first error" goes (stderr counts too). */
const ERROR_WORDS = /\b(error|fatal|failed|failure|panic|exception|traceback)\b/i;

export class LogBuffer {
  private readonly texts: string[] = [];
  private readonly seqs: number[] = [];
  private readonly streams: number[] = [];
  /** Milliseconds since the epoch (a number, not the ISO string: 8 bytes a line). */
  private readonly times: number[] = [];
  /** Bumped on every append, so views know to draw again. */
  version = 0;

  get count(): number {
    return this.texts.length;
  }

  get lastSeq(): number {
    return this.seqs.length ? this.seqs[this.seqs.length - 1]! : 0;
  }

  append(lines: ReadonlyArray<{ seq: number; stream: Stream; text: string; time?: string }>): number {
    let added = 0;
    let last = this.lastSeq;
    for (const l of lines) {
      if (l.seq <= last) continue;
      this.texts.push(l.text);
      this.seqs.push(l.seq);
      this.streams.push(STREAMS.indexOf(l.stream));
      this.times.push(l.time ? Date.parse(l.time) : NaN);
      last = l.seq;
      added++;
    }
    if (added) this.version++;
    return added;
  }

  line(i: number): { seq: number; stream: Stream; text: string; time: number } {
    return { seq: this.seqs[i]!, stream: STREAMS[this.streams[i]!] ?? 'stdout', text: this.texts[i]!, time: this.times[i]! };
  }

  text(i: number): string {
    return this.texts[i]!;
  }

  /**
   * Indices of the lines from `from` on that contain `needle` (lower-case; the caller lowers it once),
   * appended to `into`. Called again with the old count as `from` when lines arrive, so a search over a
   * million lines is paid once, not per new line.
   */
  findFrom(needle: string, from: number, into: number[]): number[] {
    if (!needle) return into;
    const texts = this.texts;
    for (let i = from; i < texts.length; i++) if (texts[i]!.toLowerCase().includes(needle)) into.push(i);
    return into;
  }

  /** The first line written to stderr or reading like an error, or -1. */
  firstError(): number {
    for (let i = 0; i < this.texts.length; i++) {
      if (this.streams[i] === 1 || ERROR_WORDS.test(this.texts[i]!)) return i;
    }
    return -1;
  }

  /** The whole log as text (for Copy), optionally with each line's time. */
  joined(timestamps: boolean): string {
    if (!timestamps) return this.texts.join('\n');
    return this.texts.map((t, i) => `${isoOrBlank(this.times[i]!)} ${STREAMS[this.streams[i]!] ?? 'stdout'} ${t}`).join('\n');
  }
}

function isoOrBlank(ms: number): string {
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}
