/**
 * A run's log held compactly for a million lines and more: parallel arrays, no object per line.
 * Lines arrive in seq order (paged reads, then the live subscription); a repeated seq is ignored.
 */
export type Stream = 'stdout' | 'stderr' | 'system';
const STREAMS: readonly Stream[] = ['stdout', 'stderr', 'system'];

export class LogBuffer {
  private readonly texts: string[] = [];
  private readonly seqs: number[] = [];
  private readonly streams: number[] = [];
  /** Bumped on every append, so views know to draw again. */
  version = 0;

  get count(): number {
    return this.texts.length;
  }

  get lastSeq(): number {
    return this.seqs.length ? this.seqs[this.seqs.length - 1]! : 0;
  }

  append(lines: ReadonlyArray<{ seq: number; stream: Stream; text: string }>): number {
    let added = 0;
    let last = this.lastSeq;
    for (const l of lines) {
      if (l.seq <= last) continue;
      this.texts.push(l.text);
      this.seqs.push(l.seq);
      this.streams.push(STREAMS.indexOf(l.stream));
      last = l.seq;
      added++;
    }
    if (added) this.version++;
    return added;
  }

  line(i: number): { seq: number; stream: Stream; text: string } {
    return { seq: this.seqs[i]!, stream: STREAMS[this.streams[i]!] ?? 'stdout', text: this.texts[i]! };
  }
}
