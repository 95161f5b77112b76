/**
 * Continuity across export bundles: sorted by range, each bundle must start where the previous one
 * ended (first prevHash = previous last hash, seq contiguous, previousExportId naming it), from the
 * same workstation and signer. Every gap, fork (two bundles disagreeing about the same events: a
 * rolled-back database exported again) and unexplained signer change is named.
 */
import type { AuditEvent } from './chain';
import { verifyDetached } from './cms-verify';
import { fingerprintOf, pemToDer } from './x509';

/**
 * The audit action recorded when the signing identity is replaced. Its details carry the new
 * certificate endorsed by the old identity (see rotation.ts), which lets the verifier accept the
 * signer change between two bundles.
 */
export const IDENTITY_REPLACED_ACTION = 'audit.identityReplace';

export interface BundleFacts {
  path: string;
  exportId: string;
  previousExportId: string | null;
  workstationId: string;
  firstSeq: number;
  lastSeq: number;
  firstPrevHash: string;
  lastHash: string;
  /** Every event hash (32 bytes each) when the bundle verified, else null. */
  hashes: Buffer | null;
  signer: { fingerprint: string; certPem: string } | null;
  /** Identity-replacement events found in the bundle. */
  replacements: AuditEvent[];
}

export type ContinuityKind =
  | 'start' // the earliest bundle given continues an export that was not given (information)
  | 'linked' // B starts right after A and links to it
  | 'gap' // events between A and B are in no bundle given
  | 'fork' // A and B disagree about the same event(s): rewritten or rolled-back history
  | 'overlap' // B repeats events of A with the same hashes (information)
  | 'duplicate' // the same export given twice (information)
  | 'previousExport' // B links to A but names another previous export
  | 'workstation' // bundles from different workstations
  | 'signerChanged' // consecutive bundles signed by different identities without an endorsed replacement
  | 'signerRotated'; // the signer changed, endorsed by the old identity inside the chain (information)

export interface ContinuityFinding {
  kind: ContinuityKind;
  ok: boolean;
  /** Export ids of the two bundles concerned (from = earlier). */
  from: string | null;
  to: string | null;
  /** The first event concerned (first missing event of a gap, first differing event of a fork). */
  seq?: number;
  message: string;
}

function hashAt(bundle: BundleFacts, seq: number): string | null {
  if (seq === bundle.firstSeq - 1) return bundle.firstPrevHash;
  if (bundle.hashes && seq >= bundle.firstSeq && seq <= bundle.lastSeq) {
    const offset = (seq - bundle.firstSeq) * 32;
    return bundle.hashes.toString('hex', offset, offset + 32);
  }
  if (seq === bundle.lastSeq) return bundle.lastHash;
  return null;
}

/** The first seq in the shared span where the two bundles hold different hashes, or null. */
function firstDifference(a: BundleFacts, b: BundleFacts): { seq: number | null; compared: boolean } {
  const from = Math.max(a.firstSeq, b.firstSeq) - 1;
  const to = Math.min(a.lastSeq, b.lastSeq);
  let compared = false;
  for (let seq = from; seq <= to; seq++) {
    const x = hashAt(a, seq);
    const y = hashAt(b, seq);
    if (x === null || y === null) continue;
    compared = true;
    if (x !== y) return { seq, compared };
  }
  return { seq: null, compared };
}

/** Whether the chain holds an identity replacement from `older`'s signer to `newer`'s, signed by the old identity. */
function endorsedRotation(older: BundleFacts, newer: BundleFacts): boolean {
  if (!older.signer || !newer.signer) return false;
  for (const event of [...older.replacements, ...newer.replacements]) {
    const details = event.details as { certPem?: unknown; endorsement?: unknown } | null;
    if (typeof details?.certPem !== 'string' || typeof details.endorsement !== 'string') continue;
    let certDer: Buffer;
    try {
      certDer = pemToDer(details.certPem);
    } catch {
      continue;
    }
    if (fingerprintOf(certDer) !== newer.signer.fingerprint) continue;
    const check = verifyDetached(Buffer.from(details.endorsement, 'base64'), certDer);
    if (check.ok && check.fingerprint === older.signer.fingerprint) return true;
  }
  return false;
}

function describe(b: BundleFacts): string {
  return `export ${b.exportId} (events ${b.firstSeq} to ${b.lastSeq})`;
}

export function checkContinuity(bundles: BundleFacts[]): ContinuityFinding[] {
  const findings: ContinuityFinding[] = [];
  if (bundles.length === 0) return findings;
  const sorted = [...bundles].sort((a, b) => a.firstSeq - b.firstSeq || a.lastSeq - b.lastSeq);
  const workstations = new Set(sorted.map((b) => b.workstationId));
  if (workstations.size > 1) {
    findings.push({
      kind: 'workstation',
      ok: false,
      from: null,
      to: null,
      message: `the bundles come from ${workstations.size} different workstations (${[...workstations].join(', ')}); verify each workstation's exports separately`,
    });
  }
  const earliest = sorted[0]!;
  if (earliest.firstSeq > 1) {
    findings.push({
      kind: 'start',
      ok: true,
      from: earliest.previousExportId,
      to: earliest.exportId,
      seq: earliest.firstSeq,
      message: `the earliest bundle given starts at event ${earliest.firstSeq}; it continues export ${earliest.previousExportId ?? '(none named)'}, which was not given`,
    });
  }
  let reach = earliest; // the bundle reaching furthest so far
  for (let i = 1; i < sorted.length; i++) {
    const next = sorted[i]!;
    if (next.firstSeq > reach.lastSeq + 1) {
      findings.push({
        kind: 'gap',
        ok: false,
        from: reach.exportId,
        to: next.exportId,
        seq: reach.lastSeq + 1,
        message: `events ${reach.lastSeq + 1} to ${next.firstSeq - 1} are missing between ${describe(reach)} and ${describe(next)} (an export is missing)`,
      });
    } else if (next.firstSeq === reach.lastSeq + 1) {
      linkAdjacent(reach, next, findings);
    } else {
      compareOverlapping(sorted.slice(0, i), next, findings);
    }
    if (next.lastSeq > reach.lastSeq) reach = next;
  }
  return findings;
}

function linkAdjacent(prev: BundleFacts, next: BundleFacts, findings: ContinuityFinding[]): void {
  if (next.firstPrevHash !== prev.lastHash) {
    findings.push({
      kind: 'fork',
      ok: false,
      from: prev.exportId,
      to: next.exportId,
      seq: next.firstSeq,
      message: `${describe(next)} does not continue ${describe(prev)}: its first event links to another event ${prev.lastSeq} than the one exported before (the history was rewritten or rolled back)`,
    });
    return;
  }
  findings.push({
    kind: 'linked',
    ok: true,
    from: prev.exportId,
    to: next.exportId,
    message: `${describe(next)} continues ${describe(prev)}`,
  });
  if (next.previousExportId !== prev.exportId) {
    findings.push({
      kind: 'previousExport',
      ok: false,
      from: prev.exportId,
      to: next.exportId,
      message: `${describe(next)} names ${next.previousExportId ?? 'no export'} as its previous export, but it continues export ${prev.exportId} (an export record was lost or replaced)`,
    });
  }
  if (prev.signer && next.signer && prev.signer.fingerprint !== next.signer.fingerprint) {
    if (endorsedRotation(prev, next)) {
      findings.push({
        kind: 'signerRotated',
        ok: true,
        from: prev.exportId,
        to: next.exportId,
        message: `the signing identity changed from ${prev.signer.fingerprint} to ${next.signer.fingerprint}, endorsed by the old identity in the chain`,
      });
    } else {
      findings.push({
        kind: 'signerChanged',
        ok: false,
        from: prev.exportId,
        to: next.exportId,
        message: `${describe(next)} is signed by ${next.signer.fingerprint}, ${describe(prev)} by ${prev.signer.fingerprint}, and the chain records no endorsed identity replacement (the signature may have been replaced)`,
      });
    }
  }
}

function compareOverlapping(earlier: BundleFacts[], next: BundleFacts, findings: ContinuityFinding[]): void {
  let comparedAll = true;
  for (const other of earlier) {
    if (other.lastSeq < next.firstSeq - 1) continue;
    const diff = firstDifference(other, next);
    if (!diff.compared || !other.hashes || !next.hashes) comparedAll = false;
    if (diff.seq !== null) {
      findings.push({
        kind: 'fork',
        ok: false,
        from: other.exportId,
        to: next.exportId,
        seq: diff.seq,
        message: `${describe(other)} and ${describe(next)} hold different histories from event ${diff.seq} on (a rolled-back or rewritten database was exported again)`,
      });
      return;
    }
  }
  const twin = earlier.find(
    (o) => o.exportId === next.exportId && o.firstSeq === next.firstSeq && o.lastSeq === next.lastSeq && o.lastHash === next.lastHash,
  );
  if (twin) {
    findings.push({
      kind: 'duplicate',
      ok: true,
      from: twin.exportId,
      to: next.exportId,
      message: `export ${next.exportId} was given twice (${twin.path}, ${next.path})`,
    });
    return;
  }
  const covering = earlier.filter((o) => o.lastSeq >= next.firstSeq);
  findings.push({
    kind: 'overlap',
    ok: true,
    from: covering[0]?.exportId ?? null,
    to: next.exportId,
    seq: next.firstSeq,
    message: comparedAll
      ? `${describe(next)} repeats events already in ${covering.map(describe).join(', ')}, with the same hashes`
      : `${describe(next)} overlaps ${covering.map(describe).join(', ')}; the overlap could not be compared event by event because a bundle failed verification`,
  });
}
