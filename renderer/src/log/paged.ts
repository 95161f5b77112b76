/**
 * A run's log read a page at a time: the view asks for the lines it shows, and only the pages near
 * them are held (KEEP pages of PAGE lines), so a million-line log costs the window what fifty lines
 * do. Lines are numbered 1, 2, … without gaps (the core says how many there are), so line i of the
 * view is seq i + 1. Search and "first error" are asked of the core, which reads the stored lines.
 */
export type Stream = 'stdout' | 'stderr' | 'system';
const STREAMS: readonly Stream[] = ['stdout', 'stderr', 'system'];

export interface SourceLine {
  seq: number;
  stream: Stream;
  text: string;
  time?: string;
}

/** Where the lines come from (the core, through the contract); each may fail with a message. */
export interface LogSource {
  /** Lines after `afterSeq`, at most `limit`, and the highest line number stored. */
  page(afterSeq: number, limit: number): Promise<{ lines: SourceLine[]; lastSeq: number; finished: boolean }>;
  search(text: string, limit: number): Promise<{ seqs: number[]; total: number }>;
  firstError(): Promise<number | null>;
}

export interface ShownLine {
  seq: number;
  stream: Stream;
  text: string;
  /** Milliseconds since the epoch, NaN when unknown. */
  time: number;
  /** False while its page is being read. */
  loaded: boolean;
}

interface Page {
  texts: Array<string | undefined>;
  streams: Uint8Array;
  times: Float64Array;
  /** Every line up to the end of the page (or of the log when it was read) is here. */
  complete: boolean;
}

export const PAGE = 1000;
/** Pages held at once: the view's window and its neighbours, not the whole log. */
const KEEP = 24;
/** The most lines Copy puts on the clipboard; a longer log is for Download. */
export const COPY_MAX_LINES = 250_000;

export class PagedLog {
  private readonly pages = new Map<number, Page>();
  private readonly reading = new Set<number>();
  /** Pages whose read failed: not asked again on every frame (the error is shown instead). */
  private readonly failed = new Set<number>();
  /** How many lines the log has (the highest seq known). */
  count = 0;
  /** Bumped whenever lines arrive, so views know to draw again. */
  version = 0;
  error: string | null = null;

  constructor(
    private readonly source: LogSource,
    private readonly onChange: () => void,
  ) {}

  get lastSeq(): number {
    return this.count;
  }

  /** Reads the first page (and learns the length); resolves once it is in, with whether the log is finished (false on error). */
  async open(): Promise<boolean> {
    return await this.read(0);
  }

  /** The line at view index i (seq i + 1); a placeholder while its page is read. */
  line(i: number): ShownLine {
    const page = this.pages.get(Math.floor(i / PAGE));
    const at = i % PAGE;
    const text = page?.texts[at];
    if (page === undefined || text === undefined) return { seq: i + 1, stream: 'stdout', text: '', time: NaN, loaded: false };
    return { seq: i + 1, stream: STREAMS[page.streams[at]!] ?? 'stdout', text, time: page.times[at]!, loaded: true };
  }

  /** Makes sure lines [from, to) are held or being read, and keeps their pages from being dropped. */
  ensure(from: number, to: number): void {
    if (to <= from) return;
    for (let p = Math.floor(from / PAGE); p <= Math.floor((to - 1) / PAGE); p++) {
      const page = this.pages.get(p);
      if (page) {
        // Most recently used last: the oldest pages go first.
        this.pages.delete(p);
        this.pages.set(p, page);
      }
      if (!page?.complete && !this.failed.has(p)) void this.read(p);
    }
  }

  /** Live lines from the subscription: the length grows; a held page takes them, the others are read when shown. */
  append(lines: readonly SourceLine[]): number {
    let added = 0;
    for (const l of lines) {
      if (l.seq > this.count) {
        this.count = l.seq;
        added++;
      }
      const p = Math.floor((l.seq - 1) / PAGE);
      let page = this.pages.get(p);
      if (!page && p === Math.floor((this.count - 1) / PAGE)) {
        page = newPage();
        page.complete = false;
        this.pages.set(p, page);
      }
      if (page) put(page, (l.seq - 1) % PAGE, l);
    }
    if (added) this.changed();
    return added;
  }

  async search(text: string, limit = 10_000): Promise<{ indices: number[]; total: number }> {
    const found = await this.source.search(text, limit);
    return { indices: found.seqs.map((s) => s - 1), total: found.total };
  }

  /** The view index of the first line that reads like an error, or -1. */
  async firstError(): Promise<number> {
    const seq = await this.source.firstError();
    return seq === null ? -1 : seq - 1;
  }

  /** The whole log as text (Copy), read page by page; refused past COPY_MAX_LINES. */
  async joined(timestamps: boolean): Promise<string> {
    if (this.count > COPY_MAX_LINES) {
      throw new Error(`The log has ${this.count.toLocaleString()} lines, too many to copy: use Download instead.`);
    }
    const out: string[] = [];
    for (let after = 0; after < this.count;) {
      const { lines } = await this.source.page(after, 10_000);
      if (lines.length === 0) break;
      for (const l of lines) out.push(timestamps ? `${l.time ?? ''} ${l.stream} ${l.text}` : l.text);
      after = lines[lines.length - 1]!.seq;
    }
    return out.join('\n');
  }

  /** Reads page p into the window; resolves with whether the log is finished. */
  private async read(p: number): Promise<boolean> {
    if (this.reading.has(p)) return false;
    this.reading.add(p);
    try {
      const { lines, lastSeq, finished } = await this.source.page(p * PAGE, PAGE);
      const page = this.pages.get(p) ?? newPage();
      for (const l of lines) if (l.seq <= (p + 1) * PAGE) put(page, (l.seq - 1) % PAGE, l);
      page.complete = true;
      this.pages.set(p, page);
      this.count = Math.max(this.count, lastSeq);
      this.error = null;
      this.evict();
      return finished;
    } catch (error) {
      this.failed.add(p);
      this.error = error instanceof Error ? error.message : String(error);
      return false;
    } finally {
      this.reading.delete(p);
      this.changed();
    }
  }

  private evict(): void {
    for (const p of this.pages.keys()) {
      if (this.pages.size <= KEEP) break;
      this.pages.delete(p);
    }
  }

  private changed(): void {
    this.version++;
    this.onChange();
  }
}

function newPage(): Page {
  return { texts: [], streams: new Uint8Array(PAGE), times: new Float64Array(PAGE).fill(NaN), complete: true };
}

function put(page: Page, at: number, l: SourceLine): void {
  page.texts[at] = l.text;
  page.streams[at] = Math.max(0, STREAMS.indexOf(l.stream));
  page.times[at] = l.time ? Date.parse(l.time) : NaN;
}
