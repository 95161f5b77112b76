/**
 * events.jsonl checked in parallel: cut into blocks of whole lines for the chain worker pool, the
 * results joined in order (the verifier, verify.ts, falls back to one line at a time on any problem).
 */
import { IDENTITY_REPLACED_ACTION } from './continuity';
import { ChainWorkerPool, type BlockResult, type ChainFacts } from './chain-workers';
import type { EventProblem } from './event-check';

/** What the chain check of events.jsonl found (EventLineChecker has exactly these fields). */
export interface EventsSummary extends ChainFacts {
  problem: EventProblem | null;
  hashes: Buffer | null;
}

const BLOCK_BYTES = 1024 * 1024;
/** Room past BLOCK_BYTES for the decompressed chunk that crosses it. */
const BLOCK_SLACK = 512 * 1024;
const MAX_LINE = 16 * 1024 * 1024;
export const COLLECT = [IDENTITY_REPLACED_ACTION];

/**
 * Cuts events.jsonl into blocks of whole lines for the worker pool and joins the results. Returns
 * null from finish() when anything did not pass: the caller then re-checks line by line, so that
 * problems are named exactly as a single-threaded check names them.
 */
export class ParallelEvents {
  /** The block being filled: chunks are copied in once, and a full block is handed to a worker as it is. */
  private block = new Uint8Array(BLOCK_BYTES + BLOCK_SLACK);
  private blockLength = 0;
  private readonly results: Array<Promise<BlockResult>> = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private failed = false;

  constructor(
    private readonly pool: ChainWorkerPool,
    private readonly keepHashes: boolean,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    if (this.blockLength + chunk.length > this.block.length) {
      if (this.blockLength + chunk.length > MAX_LINE + BLOCK_BYTES) {
        this.fail(); // a giant line: the line-by-line check names it
        return;
      }
      const bigger = new Uint8Array(Math.max(this.block.length * 2, this.blockLength + chunk.length));
      bigger.set(this.block.subarray(0, this.blockLength));
      this.block = bigger;
    }
    this.block.set(chunk, this.blockLength);
    this.blockLength += chunk.length;
    if (this.blockLength >= BLOCK_BYTES) this.cut(false);
  }

  end(): void {
    if (!this.failed && this.blockLength > 0) this.cut(true);
  }

  /** Awaited between chunks: keeps at most two blocks per worker in flight. */
  async backpressure(): Promise<void> {
    while (this.inFlight.size >= this.pool.size * 2) await Promise.race(this.inFlight);
  }

  async finish(): Promise<EventsSummary | null> {
    const settled = await Promise.allSettled(this.results);
    if (this.failed) return null;
    const blocks: BlockResult[] = [];
    for (const outcome of settled) {
      if (outcome.status !== 'fulfilled' || !outcome.value.ok) return null;
      const block = outcome.value;
      const previous = blocks[blocks.length - 1];
      if (previous && (block.firstSeq !== previous.lastSeq! + 1 || block.firstPrevHash !== previous.lastHash)) return null;
      blocks.push(block);
    }
    const first = blocks[0];
    const last = blocks[blocks.length - 1];
    return {
      problem: null,
      count: blocks.reduce((n, b) => n + b.count, 0),
      redactedCount: blocks.reduce((n, b) => n + b.redactedCount, 0),
      firstSeq: first?.firstSeq ?? null,
      firstPrevHash: first?.firstPrevHash ?? null,
      lastSeq: last?.lastSeq ?? null,
      lastHash: last?.lastHash ?? null,
      firstEvent: first?.firstEvent ?? null,
      collected: blocks.flatMap((b) => b.collected),
      hashes: this.keepHashes ? Buffer.concat(blocks.map((b) => b.hashes ?? new Uint8Array(0))) : null,
    };
  }

  private cut(final: boolean): void {
    const filled = this.block.subarray(0, this.blockLength);
    const newline = final ? filled.length - 1 : filled.lastIndexOf(0x0a);
    if (final && filled[newline] !== 0x0a) {
      this.fail(); // no final newline: the line-by-line check names it
      return;
    }
    if (newline < 0) return; // one long line so far: push() grows the block, up to MAX_LINE
    // The whole lines go to a worker, with the block's memory; the rest starts the next block.
    const rest = filled.subarray(newline + 1);
    const next = new Uint8Array(Math.max(BLOCK_BYTES + BLOCK_SLACK, rest.length * 2));
    next.set(rest);
    const lines = this.block.subarray(0, newline + 1);
    this.block = next;
    this.blockLength = rest.length;
    const result = this.pool.check(lines, { keepHashes: this.keepHashes, collectActions: COLLECT });
    this.results.push(result);
    const tracked: Promise<unknown> = result.then(
      () => this.inFlight.delete(tracked),
      () => {
        this.inFlight.delete(tracked);
        this.failed = true;
      },
    );
    this.inFlight.add(tracked);
  }

  private fail(): void {
    this.failed = true;
    this.block = new Uint8Array(0);
    this.blockLength = 0;
  }
}
