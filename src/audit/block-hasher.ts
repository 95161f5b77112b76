/**
 * SHA-256 of a stream of blocks, on a thread of its own (docs/performance.md, "Audit export and
 * verify"). An export's main thread writes the lines of events.jsonl and is its bottleneck: hashing
 * them there as well cost it about 0.3 s per million events. Blocks whose memory is a
 * SharedArrayBuffer are read where they are by the hashing thread (no copy); any other block is
 * copied into one first. Blocks are hashed in the order given, and a block must not change until its
 * `update` resolved.
 *
 * The thread runs a few lines of plain JavaScript and loads no module of ours, so it starts in tens of
 * milliseconds and the same way from source, built, or inside the app. Where no thread can start, the
 * calling thread hashes instead. A thread that stops fails every pending update and the digest: the
 * export then writes nothing.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../kernel';

export interface BlockHasher {
  /** Adds a block; resolves once it is hashed (its memory may then be reused). */
  update(block: Uint8Array): Promise<void>;
  /** The hex digest of every block given, in order. */
  digest(): Promise<string>;
  /** Stops the thread (after digest, or to give up); the caller must, or the thread holds the process open. */
  close(): Promise<void>;
}

const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sha = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.bytes) {
    sha.update(m.bytes);
    parentPort.postMessage({ id: m.id });
  } else parentPort.postMessage({ id: m.id, digest: sha.digest('hex') });
});
`;

function stopped(): ApiError {
  return new ApiError('INTERNAL', "The export's hashing thread stopped; nothing was written. Export again.");
}

/** Hashes on the calling thread. */
class LocalHasher implements BlockHasher {
  private readonly sha = createHash('sha256');

  update(block: Uint8Array): Promise<void> {
    this.sha.update(block);
    return Promise.resolve();
  }

  digest(): Promise<string> {
    return Promise.resolve(this.sha.digest('hex'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class ThreadHasher implements BlockHasher {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (digest: string | undefined) => void; reject: (error: Error) => void }>();
  private broken: Error | null = null;

  constructor(private readonly worker: Worker) {
    worker.on('message', ({ id, digest }: { id: number; digest?: string }) => {
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      waiter?.resolve(digest);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  private fail(): void {
    this.broken = stopped();
    for (const waiter of this.pending.values()) waiter.reject(this.broken);
    this.pending.clear();
  }

  private send(bytes: Uint8Array | null): Promise<string | undefined> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A view of a SharedArrayBuffer crosses as the same memory, not a copy.
      this.worker.postMessage({ id, bytes });
    });
  }

  async update(block: Uint8Array): Promise<void> {
    if (block.length === 0) return;
    let shared = block;
    if (!(block.buffer instanceof SharedArrayBuffer)) {
      shared = new Uint8Array(new SharedArrayBuffer(block.length));
      shared.set(block);
    }
    await this.send(shared);
  }

  async digest(): Promise<string> {
    const digest = await this.send(null);
    if (typeof digest !== 'string') throw stopped();
    return digest;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
    this.fail();
  }
}

/** A hasher on a thread of its own, or on this one where no thread can start. */
export function startBlockHasher(): BlockHasher {
  let worker: Worker;
  try {
    worker = new Worker(THREAD_SOURCE, { eval: true });
  } catch {
    return new LocalHasher();
  }
  return new ThreadHasher(worker);
}
