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
 * place is reserved at the start of the file and written last. Then events.jsonl (export-events.ts),
 * hashed as it is produced on a thread of its own (block-hasher.ts) and compressed in 4 MiB members
 * on the thread pool while the main thread writes the next lines (one pass, no temporary copy). The
 * last member holds the padding, the manifest, its signature and the end-of-archive marker.
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
import { gzipSync } from 'node:zlib';
import { ApiError } from '../kernel';
import { signDetached } from './cms';
import { verifyDetached } from './cms-verify';
import {
  encodeEvents,
  EventsEncoder,
  writeAt,
  writeEventMembers,
  type ExportEvents,
  type ExportProgress,
  type RedactionHook,
} from './export-events';
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

export type { ExportProgress, RedactionHook } from './export-events';

export interface WriteExportOptions {
  /** The events to export, in seq order (an array, an async generator...), or the store's pages of them. */
  events: ExportEvents;
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
