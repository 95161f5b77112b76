/**
 * The audit export verifier: no store, no network, no native module (it is bundled into
 * dist/airgap-audit-verify.mjs). For each bundle, in one streaming pass: a safe archive, exactly the
 * files the manifest lists, the manifest signature (and chain to --ca), every file's SHA-256 and size,
 * the hash chain inside events.jsonl against the manifest's range, firstPrevHash and lastHash. Across
 * bundles: continuity, naming every gap, fork, rollback and signer change (continuity.ts).
 *
 * Problems are listed most fundamental first, so `problems[0]` names the first bad file or event.
 */
import { genesisPrevHash, GENESIS_ACTION, type AuditEvent } from './chain';
import { verifyDetached } from './cms-verify';
import { checkContinuity, IDENTITY_REPLACED_ACTION, type BundleFacts, type ContinuityFinding } from './continuity';
import { ChainWorkerPool, type BlockResult, type ChainFacts } from './chain-workers';
import { EventLineChecker, type EventProblem } from './event-line';
import { BUNDLE_FILES, parseManifest, type ExportManifest, type ManifestFile, type ManifestRedaction } from './manifest';
import { readBundle } from './bundle-reader';

export type ProblemKind =
  | 'archive' // not a readable .tar.gz, truncated, data appended
  | 'unsafeEntry' // link, directory, device, path that could escape
  | 'duplicateEntry'
  | 'missingFile'
  | 'extraFile'
  | 'signature' // bad, malformed or mismatched signature over manifest.json
  | 'untrustedSigner' // good signature, but not from a certificate the --ca vouches for
  | 'manifest' // unreadable or inconsistent manifest.json
  | 'signerMismatch' // the manifest names another signer than the one who signed
  | 'fileSize'
  | 'fileHash'
  | 'eventSyntax' // a line that is not an audit event
  | 'chain' // seq, prevHash, detailsHash or hash wrong (chainKind says which)
  | 'nonCanonical'
  | 'range' // events.jsonl does not hold the manifest's range
  | 'lastHash' // the chain ends on another hash than the manifest's lastHash
  | 'genesis' // the first export does not start at this workstation's genesis
  | 'redaction'; // redacted events without a declared redaction, or a wrong count

export interface Problem {
  kind: ProblemKind;
  message: string;
  file?: string;
  seq?: number;
  line?: number;
  /** For kind `chain`: which check failed (as chain.ts names it). */
  chainKind?: 'seq' | 'prevHash' | 'detailsHash' | 'hash';
}

export interface SignerReport {
  fingerprint: string;
  subject: string;
  signingTime: string | null;
  /** True when --ca was given and vouches for the signer; null without --ca. */
  trusted: boolean | null;
  certPem: string;
}

export interface BundleReport {
  path: string;
  ok: boolean;
  exportId: string | null;
  previousExportId: string | null;
  workstationId: string | null;
  createdAt: string | null;
  range: { firstSeq: number; lastSeq: number; count: number } | null;
  firstPrevHash: string | null;
  lastHash: string | null;
  signer: SignerReport | null;
  redaction: ManifestRedaction | null;
  /** The files the manifest lists, with SHA-256 and size. */
  files: ManifestFile[] | null;
  problems: Problem[];
}

export interface VerifyReport {
  ok: boolean;
  bundles: BundleReport[];
  continuity: ContinuityFinding[];
  /** The first problem of all, worded for a person, or null when everything verified. */
  firstProblem: string | null;
}

export interface VerifyOptions {
  /** PEM with the workstation certificate or the CA that issued it. */
  caPem?: string;
  signal?: AbortSignal;
  /** Called after each bundle. */
  onBundle?: (report: BundleReport) => void;
  /**
   * Check events.jsonl on worker threads running `script`: the bundled verifier
   * (dist/airgap-audit-verify.mjs) is its own worker script. Without it everything runs on the
   * calling thread; if the workers fail, the check falls back to the calling thread.
   */
  workers?: { script: string | URL; count: number };
}

/** What the chain check of events.jsonl found (EventLineChecker has exactly these fields). */
interface EventsSummary extends ChainFacts {
  problem: EventProblem | null;
  hashes: Buffer | null;
}

const BLOCK_BYTES = 1024 * 1024;
/** Room past BLOCK_BYTES for the decompressed chunk that crosses it. */
const BLOCK_SLACK = 512 * 1024;
const MAX_LINE = 16 * 1024 * 1024;
const COLLECT = [IDENTITY_REPLACED_ACTION];

/**
 * Cuts events.jsonl into blocks of whole lines for the worker pool and joins the results. Returns
 * null from finish() when anything did not pass: the caller then re-checks line by line, so that
 * problems are named exactly as a single-threaded check names them.
 */
class ParallelEvents {
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

const RANK: Record<ProblemKind, number> = {
  archive: 0,
  unsafeEntry: 0,
  duplicateEntry: 0,
  signature: 2,
  untrustedSigner: 2,
  manifest: 3,
  signerMismatch: 4,
  missingFile: 5,
  extraFile: 5,
  fileSize: 6,
  fileHash: 6,
  eventSyntax: 7,
  chain: 7,
  nonCanonical: 7,
  range: 8,
  lastHash: 8,
  genesis: 8,
  redaction: 8,
};

interface VerifiedBundle {
  report: BundleReport;
  manifest: ExportManifest | null;
  hashes: Buffer | null;
  replacements: AuditEvent[];
}

function emptyReport(path: string): BundleReport {
  return {
    path,
    ok: false,
    exportId: null,
    previousExportId: null,
    workstationId: null,
    createdAt: null,
    range: null,
    firstPrevHash: null,
    lastHash: null,
    signer: null,
    redaction: null,
    files: null,
    problems: [],
  };
}

async function verifyOne(path: string, keepHashes: boolean, options: VerifyOptions, pool: ChainWorkerPool | null): Promise<VerifiedBundle> {
  const report = emptyReport(path);
  const problems: Problem[] = [];
  const signal = options.signal ? { signal: options.signal } : {};
  let checker: EventsSummary;
  let read;
  if (pool) {
    const parallel = new ParallelEvents(pool, keepHashes);
    read = await readBundle(path, {
      onEventChunk: (chunk) => parallel.push(chunk),
      onEventsEnd: () => parallel.end(),
      afterChunk: () => parallel.backpressure(),
      ...signal,
    });
    const summary = await parallel.finish();
    // Anything wrong in the events: check again line by line, which names the first bad event.
    if (!summary) return await verifyOne(path, keepHashes, options, null);
    checker = summary;
  } else {
    const lines = new EventLineChecker({ keepHashes, collectActions: COLLECT });
    read = await readBundle(path, { onEventLine: (buf, start, end) => lines.lineBytes(buf, start, end), ...signal });
    checker = lines;
  }
  const replacements = checker.collected.filter((event) => !event.redacted);
  const finish = (manifest: ExportManifest | null): VerifiedBundle => {
    problems.sort((a, b) => RANK[a.kind] - RANK[b.kind]);
    report.problems = problems;
    report.ok = problems.length === 0;
    const complete = report.ok || problems.every((p) => p.kind === 'untrustedSigner');
    return { report, manifest, hashes: complete ? checker.hashes : null, replacements };
  };

  if (read.archiveProblem) {
    const p = read.archiveProblem;
    problems.push({ kind: p.kind, message: p.message, ...(p.entry ? { file: p.entry } : {}) });
    return finish(null);
  }
  const manifestEntry = read.entries.get(BUNDLE_FILES.manifest);
  const signatureEntry = read.entries.get(BUNDLE_FILES.signature);
  if (!manifestEntry?.data || !signatureEntry?.data) {
    for (const [name, entry] of [
      [BUNDLE_FILES.manifest, manifestEntry],
      [BUNDLE_FILES.signature, signatureEntry],
    ] as const) {
      if (!entry) problems.push({ kind: 'missingFile', file: name, message: `${name} is missing from the bundle` });
      else if (!entry.data) problems.push({ kind: 'manifest', file: name, message: `${name} is too large to be a manifest or signature` });
    }
    return finish(null);
  }

  const signature = verifyDetached(signatureEntry.data, manifestEntry.data, options.caPem !== undefined ? { caPem: options.caPem } : {});
  if (signature.fingerprint && signature.subject && signature.signerCertPem) {
    report.signer = {
      fingerprint: signature.fingerprint,
      subject: signature.subject,
      signingTime: signature.signingTime,
      trusted: signature.trusted,
      certPem: signature.signerCertPem,
    };
  }
  if (!signature.ok) {
    problems.push(
      signature.failure === 'untrusted'
        ? {
            kind: 'untrustedSigner',
            file: BUNDLE_FILES.signature,
            message: `The manifest is signed, but ${signature.reason ?? 'not by the given CA'}`,
          }
        : {
            kind: 'signature',
            file: BUNDLE_FILES.signature,
            message: `The manifest signature is not valid: ${signature.reason ?? 'unknown reason'}`,
          },
    );
  }

  const parsed = parseManifest(manifestEntry.data);
  if (!parsed.ok) {
    problems.push({ kind: 'manifest', file: BUNDLE_FILES.manifest, message: parsed.message });
    // The events can still be judged on their own: name the first bad one, if any.
    const p = checker.problem;
    if (p) problems.push({ ...p, file: BUNDLE_FILES.events });
    return finish(null);
  }
  const manifest = parsed.manifest;
  Object.assign(report, {
    exportId: manifest.exportId,
    previousExportId: manifest.previousExportId,
    workstationId: manifest.workstationId,
    createdAt: manifest.createdAt,
    range: manifest.range,
    firstPrevHash: manifest.firstPrevHash,
    lastHash: manifest.lastHash,
    redaction: manifest.redaction,
    files: manifest.files,
  });
  if (signature.fingerprint && signature.fingerprint !== manifest.signer.fingerprint) {
    problems.push({
      kind: 'signerMismatch',
      file: BUNDLE_FILES.signature,
      message: `The manifest names signer ${manifest.signer.fingerprint}, but it was signed by ${signature.fingerprint} (the signature was replaced)`,
    });
  }

  const listed = new Set(manifest.files.map((f) => f.name));
  for (const file of manifest.files) {
    const entry = read.entries.get(file.name);
    if (!entry)
      problems.push({
        kind: 'missingFile',
        file: file.name,
        message: `${file.name} is listed in the manifest but missing from the bundle`,
      });
    else if (entry.size !== file.size)
      problems.push({
        kind: 'fileSize',
        file: file.name,
        message: `${file.name} is ${entry.size} bytes, the manifest says ${file.size}: the file was changed`,
      });
    else if (entry.sha256 !== file.sha256)
      problems.push({
        kind: 'fileHash',
        file: file.name,
        message: `${file.name} does not match its SHA-256 in the manifest: the file was changed`,
      });
  }
  for (const name of read.entries.keys()) {
    if (name !== BUNDLE_FILES.manifest && name !== BUNDLE_FILES.signature && !listed.has(name)) {
      problems.push({ kind: 'extraFile', file: name, message: `${name} is in the bundle but not in the manifest: a file was added` });
    }
  }

  if (read.entries.has(BUNDLE_FILES.events)) checkEvents(checker, read.linesProblem, manifest, checker.firstEvent, problems);
  return finish(manifest);
}

function checkEvents(
  checker: EventsSummary,
  linesProblem: string | null,
  manifest: ExportManifest,
  firstEvent: AuditEvent | null,
  problems: Problem[],
): void {
  const file = BUNDLE_FILES.events;
  const p = checker.problem;
  if (p) {
    problems.push({ ...p, file, ...(p.kind === 'chain' ? { chainKind: p.chainKind } : {}) });
    return;
  }
  if (linesProblem) {
    problems.push({ kind: 'eventSyntax', file, message: linesProblem });
    return;
  }
  const { firstSeq, lastSeq, count } = manifest.range;
  if (checker.count === 0) {
    problems.push({
      kind: 'range',
      file,
      message: `events.jsonl holds no events; the manifest says ${count} (events ${firstSeq} to ${lastSeq})`,
    });
    return;
  }
  if (checker.firstSeq !== firstSeq) {
    problems.push({
      kind: 'chain',
      chainKind: 'seq',
      file,
      seq: checker.firstSeq!,
      line: 1,
      message: `event ${checker.firstSeq} found where event ${firstSeq} was expected (dropped, reordered or inserted events)`,
    });
  } else if (checker.firstPrevHash !== manifest.firstPrevHash) {
    problems.push({
      kind: 'chain',
      chainKind: 'prevHash',
      file,
      seq: firstSeq,
      line: 1,
      message: `event ${firstSeq} does not link to the manifest's firstPrevHash (prevHash mismatch)`,
    });
  } else if (checker.count !== count || checker.lastSeq !== lastSeq) {
    problems.push({
      kind: 'range',
      file,
      message: `events.jsonl holds events ${checker.firstSeq} to ${checker.lastSeq}, the manifest says ${firstSeq} to ${lastSeq}: events were dropped or added at the end`,
    });
  } else if (checker.lastHash !== manifest.lastHash) {
    problems.push({
      kind: 'lastHash',
      file,
      seq: lastSeq,
      message: `event ${lastSeq} has another hash than the manifest's lastHash: events were changed and the chain re-hashed`,
    });
  }
  if (firstSeq === 1) {
    const genesis = genesisPrevHash(manifest.workstationId);
    if (manifest.firstPrevHash !== genesis) {
      problems.push({
        kind: 'genesis',
        file,
        seq: 1,
        message: `the bundle starts at event 1 but not from the genesis of workstation ${manifest.workstationId}`,
      });
    } else if (
      firstEvent &&
      (firstEvent.action !== GENESIS_ACTION ||
        (!firstEvent.redacted && (firstEvent.details as { workstationId?: unknown } | null)?.workstationId !== manifest.workstationId))
    ) {
      problems.push({
        kind: 'genesis',
        file,
        seq: 1,
        message: `event 1 is not the genesis event of workstation ${manifest.workstationId}`,
      });
    }
  } else if (manifest.previousExportId === null) {
    problems.push({
      kind: 'genesis',
      file,
      seq: firstSeq,
      message: `the bundle claims to be the first export but starts at event ${firstSeq}, not 1`,
    });
  }
  const declared = manifest.redaction;
  if (!declared && checker.redactedCount > 0) {
    problems.push({
      kind: 'redaction',
      file,
      message: `${checker.redactedCount} events are marked redacted, but the manifest declares no redaction`,
    });
  } else if (declared && declared.events !== checker.redactedCount) {
    problems.push({
      kind: 'redaction',
      file,
      message: `${checker.redactedCount} events are marked redacted, the manifest says ${declared.events}`,
    });
  }
}

function factsOf(bundle: VerifiedBundle): BundleFacts | null {
  const m = bundle.manifest;
  if (!m) return null;
  return {
    path: bundle.report.path,
    exportId: m.exportId,
    previousExportId: m.previousExportId,
    workstationId: m.workstationId,
    firstSeq: m.range.firstSeq,
    lastSeq: m.range.lastSeq,
    firstPrevHash: m.firstPrevHash,
    lastHash: m.lastHash,
    hashes: bundle.hashes,
    signer: bundle.report.signer,
    replacements: bundle.replacements,
  };
}

/**
 * Verifies one or more export bundles. Never throws for a bad bundle: everything is in the report.
 * Rejects only on abort.
 */
export async function verifyBundles(paths: string[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const bundles: VerifiedBundle[] = [];
  const pool = options.workers && options.workers.count > 0 ? new ChainWorkerPool(options.workers.script, options.workers.count) : null;
  try {
    for (const path of paths) {
      const bundle = await verifyOne(path, paths.length > 1, options, pool);
      bundles.push(bundle);
      options.onBundle?.(bundle.report);
    }
  } finally {
    await pool?.close();
  }
  const facts = bundles.map(factsOf).filter((f): f is BundleFacts => f !== null);
  const continuity = paths.length > 1 ? checkContinuity(facts) : [];
  const ok = bundles.every((b) => b.report.ok) && continuity.every((c) => c.ok);
  const firstBundleProblem = bundles.find((b) => !b.report.ok)?.report.problems[0];
  const firstBundle = bundles.find((b) => !b.report.ok)?.report;
  const firstProblem = firstBundleProblem
    ? `${firstBundle!.path}: ${firstBundleProblem.message}`
    : (continuity.find((c) => !c.ok)?.message ?? null);
  return { ok, bundles: bundles.map((b) => b.report), continuity, firstProblem };
}
