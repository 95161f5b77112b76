/**
 * The audit hash chain (ARCHITECTURE.md, "Audit trail"). Pure functions: no store, no native
 * module, so the standalone verifier can bundle this file as it is.
 *
 *   detailsHash = SHA-256(canonicalJson(details))
 *   header      = canonicalJson({ seq, time, mono, actor, action, target, outcome })
 *   hash        = SHA-256(prevHash(32 bytes) || header(UTF-8) || detailsHash(32 bytes))
 *
 * The first event's prevHash is genesisPrevHash(workstationId), which binds the chain to
 * the workstation. Committing to detailsHash (not details) lets an export replace details
 * (redaction) and still verify.
 */
import * as crypto from 'node:crypto';
import { canonicalJson, type AuditOutcome } from '../kernel';

export { AUDIT_OUTCOMES, type AuditOutcome } from '../kernel';

export interface AuditHeader {
  /** 1-based, no gaps. */
  seq: number;
  /** Wall-clock time, ISO 8601 UTC with milliseconds. */
  time: string;
  /** Hybrid monotonic counter in ms: max(previous mono + 1, wall ms). Never goes backwards. */
  mono: number;
  /** `user:<name>`, `system`, or `unauthenticated`. */
  actor: string;
  /** Operation name, e.g. `user.add`, `auth.signIn`, `audit.genesis`. */
  action: string;
  target: string | null;
  outcome: AuditOutcome;
}

export interface AuditEvent extends AuditHeader {
  details: unknown;
  detailsHash: string;
  prevHash: string;
  hash: string;
  /** Present and true when an export replaced `details`; `detailsHash` is the original's. */
  redacted?: boolean;
}

export const GENESIS_ACTION = 'audit.genesis';
export const CLOCK_BACKWARDS_ACTION = 'audit.clockBackwards';

/**
 * SHA-256 as lower-case hex. Hex, not a Buffer: for a few hundred bytes, Node spends far longer
 * making a Buffer for the digest (about 2 us) than hashing (about 0.2 us) or making the hex string.
 */
export const sha256Hex: (data: string | Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

export function genesisPrevHash(workstationId: string): string {
  return sha256Hex(`airgap-runner/audit/v1/genesis\n${workstationId}`);
}

export function detailsHashOf(details: unknown): string {
  return sha256Hex(canonicalJson(details ?? null));
}

export function headerOf(event: AuditHeader): AuditHeader {
  const { seq, time, mono, actor, action, target, outcome } = event;
  return { seq, time, mono, actor, action, target, outcome };
}

export function eventHash(prevHash: string, header: AuditHeader, detailsHash: string): string {
  return crypto
    .createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalJson(headerOf(header)), 'utf8')
    .update(Buffer.from(detailsHash, 'hex'))
    .digest('hex');
}

/** Builds the next event from the previous one (or the genesis hash) and the new header fields. */
export function sealEvent(prevHash: string, header: AuditHeader, details: unknown): AuditEvent {
  return sealEventText(prevHash, header, details).event;
}

/**
 * sealEvent, also giving `canonicalJson(details)`, the text `detailsHash` is the hash of: the store
 * keeps that text, so an export can write it as it stands (event-line.ts, storedEventLine).
 */
export function sealEventText(prevHash: string, header: AuditHeader, details: unknown): { event: AuditEvent; detailsText: string } {
  const detailsText = canonicalJson(details ?? null);
  const detailsHash = sha256Hex(detailsText);
  return {
    event: { ...headerOf(header), details: details ?? null, detailsHash, prevHash, hash: eventHash(prevHash, header, detailsHash) },
    detailsText,
  };
}

export type ChainProblem =
  | { kind: 'seq'; seq: number; expected: number; message: string }
  | { kind: 'prevHash'; seq: number; message: string }
  | { kind: 'detailsHash'; seq: number; message: string }
  | { kind: 'hash'; seq: number; message: string };

/**
 * Walks events in order and names the first bad one. `startPrevHash` is the genesis hash for a
 * whole chain, or the previous export's last hash for a range. `startSeq` is the expected first seq.
 */
export function checkChain(
  events: Iterable<AuditEvent>,
  startPrevHash: string,
  startSeq = 1,
): { ok: true; count: number; lastHash: string; lastSeq: number } | { ok: false; problem: ChainProblem; count: number } {
  let prev = startPrevHash;
  let expectedSeq = startSeq;
  let count = 0;
  for (const event of events) {
    if (event.seq !== expectedSeq) {
      return {
        ok: false,
        count,
        problem: {
          kind: 'seq',
          seq: event.seq,
          expected: expectedSeq,
          message: `event ${event.seq} found where event ${expectedSeq} was expected (dropped, reordered or inserted events)`,
        },
      };
    }
    if (event.prevHash !== prev) {
      return {
        ok: false,
        count,
        problem: {
          kind: 'prevHash',
          seq: event.seq,
          message: `event ${event.seq} does not link to the event before it (prevHash mismatch)`,
        },
      };
    }
    if (!event.redacted && detailsHashOf(event.details) !== event.detailsHash) {
      return {
        ok: false,
        count,
        problem: { kind: 'detailsHash', seq: event.seq, message: `event ${event.seq} details were altered (detailsHash mismatch)` },
      };
    }
    if (eventHash(prev, event, event.detailsHash) !== event.hash) {
      return { ok: false, count, problem: { kind: 'hash', seq: event.seq, message: `event ${event.seq} was altered (hash mismatch)` } };
    }
    prev = event.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count, lastHash: prev, lastSeq: expectedSeq - 1 };
}
