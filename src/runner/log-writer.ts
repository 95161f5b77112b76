/**
 * Moves captured log lines into the store in batches (one transaction per batch, not per line) and
 * publishes them to subscribers right after each write, so "stored, then live" never skips a line.
 */
import type { LogLine } from './log-capture';
import type { Publisher } from '../kernel';
import type { RunTopics } from './events';

export const LOG_FLUSH_MS = 200;
export const LOG_FLUSH_LINES = 1000;

export class LogWriter {
  private pending: LogLine[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly runId: string,
    /** Stores a batch (fenced by the lease epoch: refused once another process holds the lease). */
    private readonly store: (lines: readonly LogLine[]) => void,
    private readonly bus: Publisher<RunTopics>,
  ) {}

  add(lines: readonly LogLine[]): void {
    for (const line of lines) this.pending.push(line);
    if (this.pending.length >= LOG_FLUSH_LINES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), LOG_FLUSH_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    try {
      this.store(lines);
    } catch {
      // The store is closing (process ending), or this process lost the lease: the holder settles the run.
      return;
    }
    for (const line of lines) this.bus.emit('runLog', { runId: this.runId, line });
  }
}
