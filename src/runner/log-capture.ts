/**
 * Turns a task's stdout and stderr into timestamped, masked lines under a per-run cap, with memory
 * flat however much the task prints: bytes are decoded and masked as they arrive, a line longer than
 * `maxLineChars` is cut into pieces, and once the cap is reached the rest is only counted. A visible
 * marker says where the log was truncated and how much was not kept.
 */
import { StringDecoder } from 'node:string_decoder';
import { StreamMasker, type Masker } from '../redact';

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogLine {
  /** 1, 2, … in the order lines were taken. */
  seq: number;
  /** ISO time the line (or its last piece) arrived. */
  time: string;
  stream: LogStream;
  /** The line without its line break, secrets masked. Not yet neutralised for display. */
  text: string;
  /** The line was longer than the piece size and continues in the next line of the same stream. */
  continues?: boolean;
}

export interface LogSummary {
  /** Bytes the task wrote (stdout + stderr). */
  totalBytes: number;
  /** Bytes of lines kept (text + line break, UTF-8). */
  keptBytes: number;
  truncated: boolean;
  lines: number;
}

export interface LogCaptureOptions {
  capBytes: number;
  masker: Masker;
  now: () => Date;
  /** Receives lines as they are complete, in order. Must not throw. */
  sink: (lines: LogLine[]) => void;
  maxLineChars?: number;
}

export const DEFAULT_MAX_LINE_CHARS = 16 * 1024;

class StreamState {
  readonly decoder = new StringDecoder('utf8');
  readonly masker: StreamMasker;
  pending = '';
  constructor(masker: Masker) {
    this.masker = new StreamMasker(masker);
  }
}

export class LogCapture {
  private readonly streams: Record<'stdout' | 'stderr', StreamState>;
  private readonly maxLine: number;
  private seq = 0;
  private kept = 0;
  private total = 0;
  private capped = false;
  private ended = false;

  constructor(private readonly options: LogCaptureOptions) {
    this.streams = { stdout: new StreamState(options.masker), stderr: new StreamState(options.masker) };
    this.maxLine = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  }

  get truncated(): boolean {
    return this.capped;
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.ended) return;
    this.total += chunk.length;
    if (this.capped) return;
    const state = this.streams[stream];
    const text = state.masker.push(state.decoder.write(chunk));
    this.take(stream, state, text, false);
  }

  /** A line of the runner's own (timed out, cancelled, …): always kept, never counted against the cap. */
  system(text: string): void {
    if (this.ended) return;
    this.emit([this.line('system', text)]);
  }

  /** Flushes partial lines and adds the truncation marker when output was dropped. */
  end(): LogSummary {
    if (!this.ended) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const state = this.streams[stream];
        if (this.capped) continue;
        const rest = state.masker.push(state.decoder.end()) + state.masker.flush();
        this.take(stream, state, rest, true);
      }
      if (this.capped) {
        this.system(
          `[log truncated: kept ${this.kept} of ${this.total} bytes of output; the cap is ${this.options.capBytes} bytes (setting runner.logCapBytes)]`,
        );
      }
      this.ended = true;
    }
    return { totalBytes: this.total, keptBytes: this.kept, truncated: this.capped, lines: this.seq };
  }

  private take(stream: 'stdout' | 'stderr', state: StreamState, text: string, final: boolean): void {
    const out: LogLine[] = [];
    const buffer = state.pending + text;
    let start = 0;
    for (;;) {
      const nl = buffer.indexOf('\n', start);
      const end = nl < 0 ? buffer.length : nl;
      if (nl < 0 && end - start < this.maxLine) break;
      const pieceEnd = Math.min(end, start + this.maxLine);
      const continues = pieceEnd < end || (nl < 0 && pieceEnd === end);
      let piece = buffer.slice(start, pieceEnd);
      if (!continues && piece.endsWith('\r')) piece = piece.slice(0, -1);
      if (!this.keep(out, stream, piece, continues)) {
        state.pending = '';
        this.emit(out);
        return;
      }
      start = continues ? pieceEnd : nl + 1;
    }
    state.pending = buffer.slice(start);
    if (final && state.pending.length > 0) {
      this.keep(out, stream, state.pending, false);
      state.pending = '';
    }
    this.emit(out);
  }

  /** Adds a line if it fits under the cap; otherwise marks the log truncated and returns false. */
  private keep(out: LogLine[], stream: 'stdout' | 'stderr', text: string, continues: boolean): boolean {
    const bytes = Buffer.byteLength(text, 'utf8') + 1;
    if (this.kept + bytes > this.options.capBytes) {
      this.capped = true;
      out.push(this.line('system', `[log cap of ${this.options.capBytes} bytes reached: further output is counted but not kept]`));
      return false;
    }
    this.kept += bytes;
    const line = this.line(stream, text);
    if (continues) line.continues = true;
    out.push(line);
    return true;
  }

  private line(stream: LogStream, text: string): LogLine {
    return { seq: ++this.seq, time: this.options.now().toISOString(), stream, text };
  }

  private emit(lines: LogLine[]): void {
    if (lines.length > 0) this.options.sink(lines);
  }
}
