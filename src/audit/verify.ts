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
import { checkContinuity, type BundleFacts, type ContinuityFinding } from './continuity';
import { ChainWorkerPool } from './chain-workers';
import { EventLineChecker } from './event-check';
import { COLLECT, ParallelEvents, type EventsSummary } from './parallel-events';
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
