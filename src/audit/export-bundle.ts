/**
 * Writes a signed audit export bundle (`.tar.gz`), streaming: a million events never sit in memory.
 *
 * Archive layout (ustar inside gzip), in this order:
 *   README.txt          how to verify on the receiving side
 *   events.jsonl        one canonical event per line
 *   manifest.json       canonical JSON (manifest.ts), signs everything else by hash and size
 *   manifest.json.p7s   detached CMS signature of manifest.json by the workstation identity
 *
 * The gzip stream is a series of concatenated gzip members (RFC 1952 allows it; gzip, tar, Python,
 * Go and Node read them as one stream). The first member holds README.txt and the tar header of
 * events.jsonl, stored uncompressed so its length is known before events.jsonl's size is: its
 * place is reserved at the start of the file and written last. Then events.jsonl, hashed as it is
 * produced on a thread of its own (block-hasher.ts) and compressed in 4 MiB members on the thread
 * pool while the main thread writes the next lines (one pass, no temporary copy). The last member holds the padding, the manifest, its signature and the
 * end-of-archive marker.
 *
 * Atomic: everything goes to a hidden `.NAME.RANDOM.partial` file in the destination folder, which
 * is fsynced and renamed into place only when complete; any error or abort removes it. Where the
 * partial goes is recorded (options.journal) before it is written, so a process killed meanwhile
 * leaves a record by which the next start or export removes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { ApiError } from '../kernel';
import type { AuditEvent } from './chain';
import { signDetached } from './cms';
import { verifyDetached } from './cms-verify';
import {
  canonicalEventLine,
  storedEventLine,
  storedLineEvent,
  storedLineText,
  storedToEvent,
  type StoredAuditEvent,
  type StoredLine,
} from './event-line';
import { keyMatchesCertificate, type SigningIdentity } from './identity';
import { startBlockHasher, type BlockHasher } from './block-hasher';
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  EXPORT_ID,
  HEX64,
  manifestBytes,
  type ExportManifest,
  type ManifestFile,
} from './manifest';
import { exportReadme } from './readme';
import { tarEnd, tarEntry, tarHeader, tarPadding } from './tar';
import { fingerprintOf, nameText, pemToDer, x509 } from './x509';

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

export interface WriteExportOptions {
  /** The events to export, in seq order (an array, an async generator...), or the store's pages of them. */
  events: AsyncIterable<AuditEvent> | Iterable<AuditEvent> | StoredPages;
  outPath: string;
  identity: Pick<SigningIdentity, 'certPem' | 'keyPem' | 'sign'> & { chainPem?: string[] };
  exportId: string;
  previousExportId: string | null;
  /** The previous export's lastHash, or genesisPrevHash(workstationId) for the first export. */
  firstPrevHash: string;
  workstationId: string;
  createdAt: Date | string;
  redaction?: RedactionHook;
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
  /** Records the partial file's path before it is written; the function returned forgets it. */
  journal?: { begin(path: string): () => void };
  /**
   * gzip level 1-9; default 2: about 12% less compression time than level 3, for a bundle 0.4% (the
   * store's events) to 5% (bench/audit's in-memory chain) larger.
   */
  compressionLevel?: number;
}

export interface ExportResult {
  path: string;
  manifest: ExportManifest;
  /** SHA-256 of manifest.json (what the signature covers), hex. */
  manifestSha256: string;
  /** Size of the .tar.gz. */
  bytes: number;
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

function invalid(message: string): ApiError {
  return new ApiError('INVALID_INPUT', message);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

function checkOptions(options: WriteExportOptions): { createdAt: string; level: number } {
  if (!EXPORT_ID.test(options.exportId)) throw invalid('The export id must be 1-128 letters, digits, dots, colons, dashes or underscores.');
  if (options.previousExportId !== null && !EXPORT_ID.test(options.previousExportId))
    throw invalid('The previous export id is not a valid export id.');
  if (!HEX64.test(options.firstPrevHash))
    throw invalid("firstPrevHash must be 64 lower-case hex digits (the previous export's last hash).");
  if (options.workstationId.length === 0) throw invalid('The workstation id is empty.');
  const created = options.createdAt instanceof Date ? options.createdAt : new Date(options.createdAt);
  if (Number.isNaN(created.getTime())) throw invalid('createdAt is not a valid date.');
  const level = options.compressionLevel ?? 2;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw invalid('compressionLevel must be 1 to 9.');
  if (options.redaction && (!options.redaction.ruleSet || !options.redaction.version))
    throw invalid('A redaction hook needs a rule-set name and version.');
  return { createdAt: created.toISOString(), level };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<AuditEvent> {
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
class EventsEncoder {
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
    private readonly options: WriteExportOptions,
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
async function writeEventMembers(
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

async function* encodeEvents(encoder: EventsEncoder, events: WriteExportOptions['events']): AsyncGenerator<Buffer> {
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

async function writeAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Some file systems (and Windows) cannot fsync a folder; the file itself was synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes the bundle to `outPath` and returns its manifest. Throws ApiError INVALID_INPUT for bad
 * options or an empty range, CONFLICT when `outPath` exists, VERIFY_FAILED when the events do not
 * form a chain from `firstPrevHash`; an abort rejects with the signal's reason. Nothing is left
 * at `outPath` unless the call succeeds.
 */
export async function writeExportBundle(options: WriteExportOptions): Promise<ExportResult> {
  const { createdAt, level } = checkOptions(options);
  const { outPath, signal } = options;
  signal?.throwIfAborted();
  // A token key is checked against the certificate when it signs (cms.ts).
  if (!options.identity.sign && !keyMatchesCertificate(options.identity.certPem, options.identity.keyPem)) {
    throw invalid('The signing key does not belong to the signing certificate; re-import the audit identity.');
  }
  const certDer = pemToDer(options.identity.certPem);
  const signer = { fingerprint: fingerprintOf(certDer), subject: nameText(x509(certDer).subject) };
  if (await exists(outPath))
    throw new ApiError('CONFLICT', `${outPath} already exists; choose another file name or move the old file away.`);
  const folder = dirname(outPath);
  const tempPath = join(folder, `.${basename(outPath)}.${randomBytes(6).toString('hex')}.partial`);
  const mtime = new Date(createdAt);
  const readme = Buffer.from(
    exportReadme({
      exportId: options.exportId,
      previousExportId: options.previousExportId,
      workstationId: options.workstationId,
      createdAt,
      signer,
      fileName: basename(outPath),
    }),
    'utf8',
  );
  const readmeEntry = tarEntry(BUNDLE_FILES.readme, readme, mtime);
  const headLength = readmeEntry.length + 512;
  const reserved = gzipSync(Buffer.alloc(headLength), { level: 0 }).length;

  let handle: FileHandle | undefined;
  let hasher: BlockHasher | undefined;
  const forget = options.journal?.begin(tempPath);
  try {
    try {
      handle = await open(tempPath, 'wx', 0o600);
    } catch (error) {
      throw invalid(
        `Cannot write to ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check that the folder exists and is writable.`,
      );
    }
    const encoder = new EventsEncoder(options, signal);
    hasher = startBlockHasher();
    let position = await writeEventMembers(handle, reserved, encoder, encodeEvents(encoder, options.events), hasher, level, signal);
    if (encoder.count === 0) throw invalid('There are no events to export after the last export.');

    options.onProgress?.({ phase: 'signing', events: encoder.count, bytes: encoder.bytes });
    const eventsSha = await hasher.digest();
    const files: ManifestFile[] = [
      { name: BUNDLE_FILES.readme, sha256: createHash('sha256').update(readme).digest('hex'), size: readme.length },
      { name: BUNDLE_FILES.events, sha256: eventsSha, size: encoder.bytes },
    ];
    const manifest: ExportManifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      exportId: options.exportId,
      previousExportId: options.previousExportId,
      workstationId: options.workstationId,
      createdAt,
      range: { firstSeq: encoder.firstSeq, lastSeq: encoder.lastSeq, count: encoder.count },
      firstPrevHash: options.firstPrevHash,
      lastHash: encoder.lastHash,
      files,
      signer,
      redaction: options.redaction
        ? {
            ruleSet: options.redaction.ruleSet,
            version: options.redaction.version,
            replacements: encoder.replacements,
            events: encoder.redactedEvents,
            ...(options.redaction.counts ? { rules: options.redaction.counts() } : {}),
          }
        : null,
    };
    const manifestJson = manifestBytes(manifest);
    const signature = signDetached(manifestJson, options.identity, { signingTime: new Date(options.createdAt) });
    const selfCheck = verifyDetached(signature, manifestJson);
    if (!selfCheck.ok)
      throw new ApiError(
        'INTERNAL',
        `The export signature does not verify (${selfCheck.reason ?? 'unknown'}); the export was not written.`,
      );
    signal?.throwIfAborted();

    const tail = gzipSync(
      Buffer.concat([
        tarPadding(encoder.bytes),
        tarEntry(BUNDLE_FILES.manifest, manifestJson, mtime),
        tarEntry(BUNDLE_FILES.signature, signature, mtime),
        tarEnd(),
      ]),
      { level },
    );
    await writeAt(handle, tail, position);
    position += tail.length;
    const head = gzipSync(Buffer.concat([readmeEntry, tarHeader(BUNDLE_FILES.events, encoder.bytes, mtime)]), { level: 0 });
    if (head.length !== reserved)
      throw new ApiError('INTERNAL', 'The archive header did not fit its reserved space; the export was not written.');
    await writeAt(handle, head, 0);
    await handle.truncate(position);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (await exists(outPath)) throw new ApiError('CONFLICT', `${outPath} appeared while exporting; choose another file name.`);
    await rename(tempPath, outPath);
    await syncFolder(folder);
    forget?.();
    options.onProgress?.({ phase: 'done', events: encoder.count, bytes: encoder.bytes });
    return { path: outPath, manifest, manifestSha256: createHash('sha256').update(manifestJson).digest('hex'), bytes: position };
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    forget?.();
    throw error;
  } finally {
    await hasher?.close();
  }
}
