/**
 * Checking events.jsonl on several threads. The main thread cuts the file into blocks of whole
 * lines; each worker checks its block with EventLineChecker starting from the block's own first
 * event; the main thread then checks that each block starts where the previous one ended (seq and
 * prevHash). A chain passes in blocks exactly when it passes line by line, so the parallel result
 * is used only when everything passed; on any problem the caller re-checks the bundle line by line,
 * which names the first bad event exactly as a single-threaded run does.
 *
 * Workers are optional and need a plain JavaScript script to run: the bundled verifier
 * (dist/airgap-audit-verify.mjs) serves as its own worker script (it starts runChainWorker() when
 * isChainWorker()). If a worker cannot start or dies, its blocks fail and the caller falls back to
 * checking on its own thread.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { AuditEvent } from './chain';
import { EventLineChecker } from './event-check';

export const CHAIN_WORKER_ROLE = 'airgap-runner/audit-chain-worker';

export interface BlockOptions {
  keepHashes: boolean;
  collectActions: string[];
}

/** What a chain check of event lines found (EventLineChecker's own fields), for a block or a whole file. */
export interface ChainFacts {
  count: number;
  redactedCount: number;
  firstSeq: number | null;
  firstPrevHash: string | null;
  lastSeq: number | null;
  lastHash: string | null;
  firstEvent: AuditEvent | null;
  collected: AuditEvent[];
}

/** What a block of whole lines holds, when every line in it passed on its own terms. */
export interface BlockResult extends ChainFacts {
  ok: boolean;
  /** 32 bytes per event, with keepHashes. */
  hashes: Uint8Array | null;
}

/** Checks a block that ends with a newline. */
export function checkBlock(bytes: Uint8Array, options: BlockOptions): BlockResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const checker = new EventLineChecker({ keepHashes: options.keepHashes, collectActions: options.collectActions });
  const ok = buf.length > 0 && buf[buf.length - 1] === 0x0a && checker.lines(buf, 0, buf.length);
  const hashes = checker.hashes;
  return {
    ok,
    count: checker.count,
    redactedCount: checker.redactedCount,
    firstSeq: checker.firstSeq,
    firstPrevHash: checker.firstPrevHash,
    lastSeq: checker.lastSeq,
    lastHash: checker.lastHash,
    firstEvent: checker.firstEvent,
    collected: checker.collected,
    hashes: hashes ? new Uint8Array(hashes) : null,
  };
}

export function isChainWorker(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | null)?.role === CHAIN_WORKER_ROLE;
}

interface Request {
  id: number;
  bytes: Uint8Array;
  options: BlockOptions;
}

/** The worker side: answers block requests until terminated. */
export function runChainWorker(): void {
  parentPort?.on('message', ({ id, bytes, options }: Request) => {
    try {
      const result = checkBlock(bytes, options);
      parentPort!.postMessage({ id, result }, result.hashes ? [result.hashes.buffer as ArrayBuffer] : []);
    } catch (error) {
      parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}

type Pending = { resolve: (r: BlockResult) => void; reject: (e: Error) => void };

/** A fixed set of workers, started at the first block; `check` sends a block to the least busy one. */
export class ChainWorkerPool {
  private readonly workers: Array<{ worker: Worker; busy: number }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: Error | null = null;
  private closing = false;

  constructor(
    private readonly script: string | URL,
    readonly size: number,
  ) {}

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(this.script, { workerData: { role: CHAIN_WORKER_ROLE } });
      const slot = { worker, busy: 0 };
      worker.on('message', ({ id, result, error }: { id: number; result?: BlockResult; error?: string }) => {
        slot.busy--;
        const waiter = this.pending.get(id);
        this.pending.delete(id);
        if (error !== undefined || !result) waiter?.reject(new Error(error ?? 'no result'));
        else waiter?.resolve(result);
      });
      worker.on('error', (error) => this.failAll(error));
      worker.on('exit', (code) => {
        if (!this.closing) this.failAll(new Error(`an audit chain worker stopped (exit ${code})`));
      });
      this.workers.push(slot);
    }
  }

  /** Checks a block on a worker; the block's memory is handed over (do not reuse it). */
  check(block: Uint8Array, options: BlockOptions): Promise<BlockResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.workers.length === 0) this.start();
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<BlockResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, bytes: block, options } satisfies Request, [block.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    this.workers.length = 0;
  }

  /** A worker failed (e.g. its script could not load): refuse further blocks, fail those in flight. */
  private failAll(error: Error): void {
    this.broken ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
