/**
 * Exports made of the chain (one row each), confirmation of delivery, and pruning of events an
 * export covered. After pruning, `audit_anchor` in meta holds the seq and hash of the last pruned
 * event, so the chain stays checkable from there.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { genesisPrevHash } from './chain';

export interface ExportRow {
  id: string;
  previousId: string | null;
  firstSeq: number;
  lastSeq: number;
  firstPrevHash: string;
  lastHash: string;
  manifestSha256: string;
  signer: string;
  redaction: string | null;
  bytes: number;
  createdAt: string;
  createdBy: string;
  confirmedAt: string | null;
  confirmedBy: string | null;
}

interface Raw {
  id: string;
  previous_id: string | null;
  first_seq: number;
  last_seq: number;
  first_prev_hash: string;
  last_hash: string;
  manifest_sha256: string;
  signer: string;
  redaction: string | null;
  bytes: number;
  created_at: string;
  created_by: string;
  confirmed_at: string | null;
  confirmed_by: string | null;
}

function fromRaw(r: Raw): ExportRow {
  return {
    id: r.id,
    previousId: r.previous_id,
    firstSeq: r.first_seq,
    lastSeq: r.last_seq,
    firstPrevHash: r.first_prev_hash,
    lastHash: r.last_hash,
    manifestSha256: r.manifest_sha256,
    signer: r.signer,
    redaction: r.redaction,
    bytes: r.bytes,
    createdAt: r.created_at,
    createdBy: r.created_by,
    confirmedAt: r.confirmed_at,
    confirmedBy: r.confirmed_by,
  };
}

export function listExports(db: ReadonlyDb): ExportRow[] {
  return (db.prepare('SELECT * FROM audit_exports ORDER BY last_seq DESC').all() as Raw[]).map(fromRaw);
}

export function lastExport(db: ReadonlyDb): ExportRow | undefined {
  const r = db.prepare('SELECT * FROM audit_exports ORDER BY last_seq DESC LIMIT 1').get() as Raw | undefined;
  return r && fromRaw(r);
}

/** Where the next export starts: after the last export, or at the chain's start. */
export function nextRangeStart(
  db: ReadonlyDb,
  workstationId: string,
): { firstSeq: number; firstPrevHash: string; previousId: string | null } {
  const last = lastExport(db);
  if (last) return { firstSeq: last.lastSeq + 1, firstPrevHash: last.lastHash, previousId: last.id };
  return { firstSeq: 1, firstPrevHash: genesisPrevHash(workstationId), previousId: null };
}

export function recordExport(db: Database, row: Omit<ExportRow, 'confirmedAt' | 'confirmedBy'>): void {
  db.prepare(
    `INSERT INTO audit_exports (id, previous_id, first_seq, last_seq, first_prev_hash, last_hash, manifest_sha256, signer, redaction, bytes, created_at, created_by)
     VALUES (@id, @previousId, @firstSeq, @lastSeq, @firstPrevHash, @lastHash, @manifestSha256, @signer, @redaction, @bytes, @createdAt, @createdBy)`,
  ).run(row);
}

export function confirmExport(db: Database, id: string, by: string, now: string): ExportRow {
  const r = db.prepare('SELECT * FROM audit_exports WHERE id = ?').get(id) as Raw | undefined;
  if (!r) throw new ApiError('NOT_FOUND', `No export with id ${id}: check the export id.`);
  if (r.confirmed_at) throw new ApiError('CONFLICT', `Export ${id} was already confirmed as delivered on ${r.confirmed_at}.`);
  db.prepare('UPDATE audit_exports SET confirmed_at = ?, confirmed_by = ? WHERE id = ?').run(now, by, id);
  return fromRaw({ ...r, confirmed_at: now, confirmed_by: by });
}

export interface Anchor {
  seq: number;
  hash: string;
}

export function readAnchor(db: ReadonlyDb): Anchor | null {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'audit_anchor'").get() as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as Anchor) : null;
}

/**
 * Deletes events through `throughSeq`, which must be covered by an export confirmed as delivered.
 * Records the anchor (the last deleted event's hash) in the same transaction.
 */
export function pruneThrough(db: Database, throughSeq: number): { deleted: number; anchor: Anchor } {
  const confirmed = db.prepare('SELECT max(last_seq) AS s FROM audit_exports WHERE confirmed_at IS NOT NULL').get() as { s: number | null };
  if (confirmed.s === null) {
    throw new ApiError(
      'POLICY_DENIED',
      'No export has been confirmed as delivered yet. Export, carry it to the SIEM, then confirm that it was delivered.',
    );
  }
  if (throughSeq > confirmed.s) {
    throw new ApiError(
      'POLICY_DENIED',
      `Events after ${confirmed.s} are not in a confirmed export. Prune through ${confirmed.s} at most, or confirm a later export first.`,
    );
  }
  const last = db.prepare('SELECT seq, hash FROM audit_events WHERE seq = ?').get(throughSeq) as Anchor | undefined;
  const current = readAnchor(db);
  if (!last) {
    if (current && throughSeq <= current.seq) throw new ApiError('CONFLICT', `Events through ${current.seq} were already pruned.`);
    throw new ApiError('NOT_FOUND', `There is no event ${throughSeq}.`);
  }
  const deleted = db.prepare('DELETE FROM audit_events WHERE seq <= ?').run(throughSeq).changes;
  db.prepare("INSERT INTO meta(key, value) VALUES ('audit_anchor', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
    JSON.stringify(last),
  );
  return { deleted, anchor: last };
}
