/**
 * events.jsonl of an export bundle (export-bundle.ts): the events turned into blocks of canonical
 * lines (EventsEncoder), each block hashed in order on a thread of its own (block-hasher.ts) and
 * compressed into a gzip member on the thread pool, the members written in order.
 */
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ApiError } from '../kernel';
import type { AuditEvent } from './chain';
import type { BlockHasher } from './block-hasher';
import {
  canonicalEventLine,
  storedEventLine,
  storedLineEvent,
  storedLineText,
  storedToEvent,
  type StoredAuditEvent,
  type StoredLine,
} from './event-line';

/** The hook the redaction rules fill: replaces values in an event's details. */
export interface RedactionHook {
  ruleSet: string;
  version: string;
  /** Returns the details to export and how many values were replaced (0: keep the event as is). */
  apply(details: unknown): { details: unknown; replacements: number };
  /** Replacements by rule id so far (recorded in the manifest when given). */
  counts?(): Record<string, number>;
}

export interface ExportProgress {
  phase: 'events' | 'signing' | 'done';
  /** Events written so far. */
  events: number;
  /** Uncompressed bytes of events.jsonl so far. */
  bytes: number;
}

/** Pages of events as the store holds them, or of their lines (log.ts, storedEventPages, storedLinePages). */
export interface StoredPages {
  pages: AsyncIterable<ReadonlyArray<StoredAuditEvent | StoredLine>>;
}

/** The events to export, in seq order (an array, an async generator...), or the store's pages of them. */
export type ExportEvents = AsyncIterable<AuditEvent> | Iterable<AuditEvent> | StoredPages;

/** What the encoder takes from the export's options. */
export interface EncoderOptions {
  /** The previous export's lastHash, or genesisPrevHash(workstationId) for the first export. */
  firstPrevHash: string;
  redaction?: RedactionHook;
  onProgress?: (progress: ExportProgress) => void;
}

/** events.jsonl is compressed in independent gzip members of this size, several at once (like pigz). */
const MEMBER_BYTES = 4 * 1024 * 1024;
/** Room past MEMBER_BYTES for the line that crosses it (a longer line grows the block). */
const BLOCK_SLACK = 256 * 1024;
/** Blocks that may wait for compression beyond those being compressed. */
const QUEUED_BLOCKS = 4;
/** Output buffer for one member: a 4 MiB block of event lines compresses to well under 1 MiB. */
const GZIP_CHUNK = 1024 * 1024;
const gzipAsync = promisify(gzip);
const PROGRESS_EVERY = 10_000;

function isAsyncIterable(value: ExportEvents): value is AsyncIterable<AuditEvent> {
  return typeof (value as AsyncIterable<AuditEvent>)[Symbol.asyncIterator] === 'function';
}

/** A block in shared memory, which the hashing thread reads where it is (block-hasher.ts). */
function sharedBlock(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/**
 * Turns events into blocks of whole lines, about MEMBER_BYTES each, checking order and links and
 * counting as it goes. Lines are written straight into the block (no join, no intermediate copy),
 * and a block comes back through `release` once it is compressed: a million events reuse a handful
 * of buffers instead of allocating half a gigabyte, which would make V8 collect its whole heap again
 * and again under the external-memory pressure.
 */
export class EventsEncoder {
  count = 0;
  bytes = 0;
  firstSeq = 0;
  lastSeq = 0;
  lastHash: string;
  replacements = 0;
  redactedEvents = 0;
  private block: Buffer;
  private blockLength = 0;
  private readonly free: Buffer[] = [];

  constructor(
    private readonly options: EncoderOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.lastHash = options.firstPrevHash;
    this.block = this.newBlock();
  }

  private newBlock(): Buffer {
    return this.free.pop() ?? sharedBlock(MEMBER_BYTES + BLOCK_SLACK);
  }

  /** Hands back a block `add` or `flush` returned, once nothing reads it any more. */
  release(block: Buffer): void {
    if (block.buffer.byteLength === MEMBER_BYTES + BLOCK_SLACK && block.byteOffset === 0)
      this.free.push(Buffer.from(block.buffer, 0, block.buffer.byteLength));
  }

  /** Adds one event; returns a full block to compress, if one is ready. */
  add(event: AuditEvent): Buffer | null {
    this.link(event);
    return this.added(event, this.lineOf(event));
  }

  /**
   * Adds one event as the store holds it, or its line as the store wrote it: the stored details text
   * goes into the line as it stands when its hash is the event's detailsHash (storedEventLine,
   * storedLineText); otherwise, or to redact, it is parsed.
   */
  addStored(event: StoredAuditEvent | StoredLine): Buffer | null {
    this.link(event);
    if ('line' in event) {
      const line = this.options.redaction ? null : storedLineText(event);
      return this.added(event, line ?? this.lineOf(storedToEvent(storedLineEvent(event))));
    }
    const line = this.options.redaction ? null : storedEventLine(event);
    return this.added(event, line ?? this.lineOf(storedToEvent(event)));
  }

  /** Refuses an event that does not follow the last one (seq and prevHash). */
  private link(event: Pick<AuditEvent, 'seq' | 'prevHash'>): void {
    if (this.count === 0) this.firstSeq = event.seq;
    else if (event.seq !== this.lastSeq + 1) {
      throw new ApiError(
        'VERIFY_FAILED',
        `The events to export are not contiguous: event ${event.seq} follows event ${this.lastSeq}. Run the store check before exporting.`,
      );
    }
    if (event.prevHash !== this.lastHash) {
      throw new ApiError(
        'VERIFY_FAILED',
        this.count === 0
          ? `Event ${event.seq} does not continue the previous export (its prevHash differs from the previous export's last hash). Run the store check before exporting.`
          : `Event ${event.seq} does not link to event ${this.lastSeq} (prevHash mismatch). Run the store check before exporting.`,
      );
    }
  }

  /** The event's line, redacted when a redaction hook is given. */
  private lineOf(event: AuditEvent): string {
    const redaction = this.options.redaction;
    if (!redaction) return canonicalEventLine(event);
    const result = redaction.apply(event.details);
    if (result.replacements === 0) return canonicalEventLine(event);
    this.replacements += result.replacements;
    this.redactedEvents++;
    return canonicalEventLine({ ...event, details: result.details, redacted: true });
  }

  /** Writes the line of a linked event; returns a full block to compress, if one is ready. */
  private added(event: Pick<AuditEvent, 'seq' | 'hash'>, line: string): Buffer | null {
    this.append(line);
    this.count++;
    this.lastSeq = event.seq;
    this.lastHash = event.hash;
    if (this.count % PROGRESS_EVERY === 0) {
      this.signal?.throwIfAborted();
      this.options.onProgress?.({ phase: 'events', events: this.count, bytes: this.bytes + this.blockLength });
    }
    return this.blockLength >= MEMBER_BYTES ? this.flush() : null;
  }

  private append(line: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (this.blockLength + line.length * 3 + 1 > this.block.length) {
      const bigger = sharedBlock(this.blockLength + line.length * 3 + 1);
      this.block.copy(bigger, 0, 0, this.blockLength);
      this.release(this.block);
      this.block = bigger;
    }
    this.blockLength += this.block.write(line, this.blockLength, 'utf8');
    this.block[this.blockLength++] = 0x0a;
  }

  /** The lines so far, as a block to hash and compress (counted here), or null if there are none. */
  flush(): Buffer | null {
    if (this.blockLength === 0) return null;
    // The block is handed over (hashing and compression read it asynchronously) until it is released.
    const full = this.block.subarray(0, this.blockLength);
    this.block = this.newBlock();
    this.blockLength = 0;
    this.bytes += full.length;
    return full;
  }
}

/**
 * Hashes events.jsonl (`hasher`, in order) and compresses it as a series of gzip members on libuv's
 * thread pool, and writes them in order from `start`. Returns the position after the last member.
 *
 * The main thread, which turns events into lines, is the bottleneck, so it waits for nothing but
 * a full queue: members are compressed in `lanes` (one per CPU, 2 to 4, each compressing one block
 * after another) and written as soon as they and the member before them are ready, while the main
 * thread writes the next lines. Each block is compressed in one go (GZIP_CHUNK holds the output): in
 * zlib's default 16 KiB steps, every step waits for the main thread to be free. Memory stays small:
 * about 4 MiB per block queued or in work.
 */
export async function writeEventMembers(
  handle: FileHandle,
  start: number,
  encoder: EventsEncoder,
  blocks: AsyncIterable<Buffer>,
  hasher: BlockHasher,
  level: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const lanes: Array<Promise<unknown>> = Array.from({ length: Math.max(2, Math.min(4, availableParallelism())) }, () => Promise.resolve());
  const limit = lanes.length + QUEUED_BLOCKS;
  /** Per block not yet written: the position after its member, once written. */
  const inFlight: Array<Promise<number>> = [];
  let written: Promise<number> = Promise.resolve(start);
  let submitted = 0;
  try {
    for await (const block of blocks) {
      signal?.throwIfAborted();
      const lane = submitted++ % lanes.length;
      const hashed = hasher.update(block);
      hashed.catch(() => undefined); // awaited below; a failed compression must not leave it unobserved
      const member = lanes[lane]!.then(() => gzipAsync(block, { level, chunkSize: GZIP_CHUNK })).then(async (compressed) => {
        await hashed;
        encoder.release(block);
        return compressed;
      });
      lanes[lane] = member;
      written = Promise.all([written, member]).then(async ([position, compressed]) => {
        await writeAt(handle, compressed, position);
        return position + compressed.length;
      });
      inFlight.push(written);
      if (inFlight.length >= limit) await inFlight.shift();
    }
    return await written;
  } finally {
    // On failure, let compressions and writes still in flight settle so none rejects unobserved.
    await Promise.allSettled(inFlight);
  }
}

export async function* encodeEvents(encoder: EventsEncoder, events: ExportEvents): AsyncGenerator<Buffer> {
  // A sync source is walked synchronously: `for await` over a million sync items costs a microtask each.
  if ('pages' in events) {
    for await (const page of events.pages) {
      for (const event of page) {
        const out = encoder.addStored(event);
        if (out) yield out;
      }
    }
  } else if (isAsyncIterable(events)) {
    for await (const event of events) {
      const out = encoder.add(event);
      if (out) yield out;
    }
  } else {
    for (const event of events) {
      const out = encoder.add(event);
      if (out) yield out;
    }
  }
  const rest = encoder.flush();
  if (rest) yield rest;
}

export async function writeAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
