/**
 * Reads an export bundle in one streaming pass: gunzip, the strict tar parser, and per entry a
 * SHA-256 and size; events.jsonl goes line by line to a callback, small files are kept in memory.
 * No store, no network, no native module.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BUNDLE_FILES } from './manifest';
import { TarError, TarStreamParser, type TarEntrySink, type TarProblemKind } from './tar';

/** Small files (manifest, signature, README) are kept up to this size; larger ones are only hashed. */
const KEEP_LIMIT = 4 * 1024 * 1024;
/** A line longer than this is refused rather than buffered. */
const MAX_LINE = 16 * 1024 * 1024;

export interface ReadEntry {
  name: string;
  size: number;
  sha256: string;
  /** The bytes, for entries up to 4 MiB other than events.jsonl. */
  data: Buffer | null;
}

export interface ReadBundleResult {
  entries: Map<string, ReadEntry>;
  /** The first structural problem (damaged gzip, truncation, unsafe or duplicate entry), if any. */
  archiveProblem: { kind: TarProblemKind; message: string; entry?: string } | null;
  /** Set when events.jsonl has a line that cannot be delivered (no final newline, giant line). */
  linesProblem: string | null;
}

export interface ReadBundleOptions {
  /** Receives each line of events.jsonl (without the newline), in order. Return false to stop receiving lines. */
  onEventLine?: LineHandler;
  /** Alternatively, receives events.jsonl as it comes, in chunks (the caller cuts lines itself). */
  onEventChunk?: (chunk: Buffer) => void;
  /** With onEventChunk: called after the last chunk of events.jsonl. */
  onEventsEnd?: () => void;
  /** Awaited between decompressed chunks, e.g. to respect an output stream's backpressure. */
  afterChunk?: () => Promise<void> | void;
  signal?: AbortSignal;
}

/** Receives one line of events.jsonl as buf[start, end) (without the newline); false stops the lines. */
export type LineHandler = (buf: Buffer, start: number, end: number) => boolean;

class LineSplitter {
  private carry: Buffer | null = null;
  stopped = false;
  problem: string | null = null;

  constructor(private readonly onLine: LineHandler) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    let start = 0;
    let newline = chunk.indexOf(0x0a);
    if (newline < 0) {
      this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk);
      if (this.carry.length > MAX_LINE) this.stop(`events.jsonl has a line longer than ${MAX_LINE} bytes`);
      return;
    }
    if (this.carry) {
      const line = Buffer.concat([this.carry, chunk.subarray(0, newline)]);
      this.carry = null;
      if (!this.deliver(line, 0, line.length)) return;
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    while (newline >= 0) {
      if (!this.deliver(chunk, start, newline)) return;
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start));
  }

  end(): void {
    if (!this.stopped && this.carry && this.carry.length > 0) {
      this.stop('events.jsonl does not end with a newline (the file was cut short)');
    }
  }

  private deliver(buf: Buffer, start: number, end: number): boolean {
    if (this.onLine(buf, start, end)) return true;
    this.stopped = true;
    this.carry = null;
    return false;
  }

  private stop(message: string): void {
    this.problem = message;
    this.stopped = true;
    this.carry = null;
  }
}

interface ChunkSink {
  push(chunk: Buffer): void;
  end(): void;
}

class EntryCollector implements TarEntrySink {
  private readonly hash: Hash = createHash('sha256');
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly name: string,
    private readonly keep: boolean,
    private readonly forward: ChunkSink | null,
    private readonly done: (entry: ReadEntry) => void,
  ) {}

  data(chunk: Buffer): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.forward) this.forward.push(chunk);
    else if (this.keep && this.size <= KEEP_LIMIT) this.parts.push(Buffer.from(chunk));
  }

  end(): void {
    this.forward?.end();
    const data = this.keep && this.size <= KEEP_LIMIT ? Buffer.concat(this.parts) : null;
    this.done({ name: this.name, size: this.size, sha256: this.hash.digest('hex'), data });
  }
}

function gzipMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/unexpected end of file/i.test(text)) return 'the archive ends early (truncated): the compressed stream stops in the middle';
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'the file does not exist';
  if ((error as NodeJS.ErrnoException).code === 'EACCES') return 'the file cannot be read (permission denied)';
  return `the archive is not a valid .tar.gz or is damaged (${text})`;
}

export async function readBundle(path: string, options: ReadBundleOptions = {}): Promise<ReadBundleResult> {
  const entries = new Map<string, ReadEntry>();
  let splitter: LineSplitter | null = null;
  const parser = new TarStreamParser(({ name }) => {
    const isEvents = name === BUNDLE_FILES.events;
    let forward: ChunkSink | null = null;
    if (isEvents && options.onEventChunk) forward = { push: options.onEventChunk, end: options.onEventsEnd ?? (() => undefined) };
    else if (isEvents && options.onEventLine) forward = splitter = new LineSplitter(options.onEventLine);
    return new EntryCollector(name, !isEvents, forward, (entry) => entries.set(entry.name, entry));
  });
  const result: ReadBundleResult = { entries, archiveProblem: null, linesProblem: null };
  try {
    await pipeline(
      createReadStream(path, { highWaterMark: 1 << 20 }),
      createGunzip({ chunkSize: 1024 * 1024 }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          parser.push(chunk);
          await options.afterChunk?.();
        }
      },
      options.signal ? { signal: options.signal } : {},
    );
    parser.finish();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (error instanceof TarError)
      result.archiveProblem = { kind: error.kind, message: error.message, ...(error.entry ? { entry: error.entry } : {}) };
    else result.archiveProblem = { kind: 'archive', message: gzipMessage(error) };
  }
  result.linesProblem = (splitter as LineSplitter | null)?.problem ?? null;
  return result;
}
