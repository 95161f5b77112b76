/**
 * Schedules (docs/schedules.md): a task with its values, when it runs, blackouts, jitter, the
 * missed-runs policy, pause, and the approval of a read-write task's schedule. A schedule starts runs
 * on its owner's behalf, so the table is authorization state (THREAT_MODEL.md): it is sealed, like
 * the admin's tables, but with a key operators hold, since operators make schedules: an HMAC key
 * derived from the vault key. A viewer or auditor can decrypt the store but holds no vault key, so
 * cannot add or change a schedule outside the app; the scheduler checks the seal before each use and
 * fires nothing from a table that does not verify. The seal is re-made when the vault key rotates
 * (resealSchedules, a rotation hook).
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, canonicalJson, type ReadonlyDb } from '../kernel';
import type { Keyring } from '../store';
import type { RunConfigRecord } from './records';
import type { Blackout, Timing } from './schedule-time';

export const SCHEDULE_SCOPE = 'runner.schedules';

export interface Schedule {
  id: string;
  name: string;
  bundle: string;
  task: string;
  access: 'read-only' | 'read-write';
  /** The task's values (files: host paths; secrets: vault item names). */
  config: RunConfigRecord;
  reason: string | null;
  timing: Timing;
  blackouts: Blackout[];
  jitterSeconds: number;
  missed: 'once' | 'skip';
  paused: boolean;
  owner: string;
  revision: number;
  approvalRequired: boolean;
  approvedBy: string | null;
  approvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

type Row = {
  id: string;
  name: string;
  bundle: string;
  task: string;
  access: string;
  config: string;
  reason: string | null;
  timing: string;
  blackouts: string;
  jitter_seconds: number;
  missed: string;
  paused: number;
  owner: string;
  revision: number;
  approval_required: number;
  approved_by: string | null;
  approved_at: string | null;
  created_at: string;
  updated_at: string;
  updated_by: string;
};

function fromRow(r: Row): Schedule {
  return {
    id: r.id,
    name: r.name,
    bundle: r.bundle,
    task: r.task,
    access: r.access === 'read-write' ? 'read-write' : 'read-only',
    config: JSON.parse(r.config) as RunConfigRecord,
    reason: r.reason,
    timing: JSON.parse(r.timing) as Timing,
    blackouts: JSON.parse(r.blackouts) as Blackout[],
    jitterSeconds: r.jitter_seconds,
    missed: r.missed === 'skip' ? 'skip' : 'once',
    paused: r.paused === 1,
    owner: r.owner,
    revision: r.revision,
    approvalRequired: r.approval_required === 1,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

/** The key that seals schedules, derived from the vault key (never the vault key itself). */
function sealKey(vaultKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), 'airgap-runner/schedules-seal/v1', 32));
}

function manifestOf(rows: Row[]): string {
  const digests: Record<string, string> = {};
  for (const r of rows)
    digests[r.id] = createHash('sha256')
      .update(canonicalJson({ ...r }))
      .digest('hex');
  return canonicalJson({ v: 1, scope: SCHEDULE_SCOPE, rows: digests });
}

const mac = (key: Buffer, manifest: string) =>
  createHmac('sha256', sealKey(key)).update(`airgap-runner/schedules-seal/v1\n${manifest}`).digest('hex');

function allRows(db: ReadonlyDb): Row[] {
  return db.prepare('SELECT * FROM schedules ORDER BY created_at, id').all() as Row[];
}

/** Re-seals the table with the given vault key (inside the transaction of the change). */
export function sealSchedules(db: Database, vaultKey: Buffer, now: string): void {
  const manifest = manifestOf(allRows(db));
  db.prepare(
    'INSERT INTO authz_seals(scope, manifest, signature, signed_at) VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET manifest = excluded.manifest, signature = excluded.signature, signed_at = excluded.signed_at',
  ).run(SCHEDULE_SCOPE, manifest, mac(vaultKey, manifest), now);
}

const ADVICE =
  'Nothing was started. Someone changed the store file outside the app without the vault key: an operator or admin should find out who had the files, then remove and re-add the schedules, or restore a backup.';

/** Throws VERIFY_FAILED unless the schedules are exactly what a holder of the vault key sealed. */
export function checkSchedulesSeal(db: ReadonlyDb, vaultKey: Buffer): void {
  const rows = allRows(db);
  const stored = db.prepare('SELECT manifest, signature FROM authz_seals WHERE scope = ?').get(SCHEDULE_SCOPE) as
    { manifest: string; signature: string } | undefined;
  if (!stored) {
    if (rows.length === 0) return;
    throw new ApiError('VERIFY_FAILED', `Tampering detected: the schedules have no seal (it was removed). ${ADVICE}`);
  }
  const expected = Buffer.from(mac(vaultKey, stored.manifest), 'hex');
  const got = Buffer.from(stored.signature, 'hex');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new ApiError(
      'VERIFY_FAILED',
      `Tampering detected: the schedules' seal does not verify with the vault key (the seal was altered, or made under a key this session does not hold). ${ADVICE}`,
    );
  }
  const actual = manifestOf(rows);
  if (actual === stored.manifest) return;
  const sealed = (JSON.parse(stored.manifest) as { rows: Record<string, string> }).rows;
  const now = (JSON.parse(actual) as { rows: Record<string, string> }).rows;
  const differ = [...new Set([...Object.keys(sealed), ...Object.keys(now)])].filter((k) => sealed[k] !== now[k]);
  throw new ApiError(
    'VERIFY_FAILED',
    `Tampering detected: the schedules differ from what was sealed (${differ.slice(0, 5).join(', ')}). ${ADVICE}`,
  );
}

/** Rotation hook: the schedules sealed under the old vault key are checked and re-sealed under the new one. */
export function resealSchedules(db: Database, oldKeys: Keyring, newKeys: Keyring): void {
  if (!oldKeys.vault || !newKeys.vault) return;
  checkSchedulesSeal(db, oldKeys.vault);
  if (allRows(db).length === 0 && !db.prepare('SELECT 1 FROM authz_seals WHERE scope = ?').get(SCHEDULE_SCOPE)) return;
  sealSchedules(db, newKeys.vault, new Date().toISOString());
}

export class Schedules<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Every schedule as stored. Unchecked: for showing; use `verified` before acting on them. */
  list(): Schedule[] {
    return allRows(this.db).map(fromRow);
  }

  /** Every schedule, after checking the seal with the vault key. */
  verified(vaultKey: Buffer): Schedule[] {
    checkSchedulesSeal(this.db, vaultKey);
    return this.list();
  }

  get(id: string): Schedule | null {
    const row = this.db.prepare('SELECT * FROM schedules WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  mustGet(id: string): Schedule {
    const s = this.get(id);
    if (!s) throw new ApiError('NOT_FOUND', `No schedule ${id}: check the schedule id.`);
    return s;
  }

  /** Inserts or replaces a schedule, then re-seals (the caller checked the seal first, in the same transaction). */
  put(this: Schedules<Database>, s: Schedule, vaultKey: Buffer): void {
    this.db
      .prepare(
        `INSERT INTO schedules(id, name, bundle, task, access, config, reason, timing, blackouts, jitter_seconds, missed, paused, owner,
          revision, approval_required, approved_by, approved_at, created_at, updated_at, updated_by)
         VALUES (@id, @name, @bundle, @task, @access, @config, @reason, @timing, @blackouts, @jitter_seconds, @missed, @paused, @owner,
          @revision, @approval_required, @approved_by, @approved_at, @created_at, @updated_at, @updated_by)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, bundle = excluded.bundle, task = excluded.task, access = excluded.access,
          config = excluded.config, reason = excluded.reason, timing = excluded.timing, blackouts = excluded.blackouts,
          jitter_seconds = excluded.jitter_seconds, missed = excluded.missed, paused = excluded.paused, owner = excluded.owner,
          revision = excluded.revision, approval_required = excluded.approval_required, approved_by = excluded.approved_by,
          approved_at = excluded.approved_at, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run({
        id: s.id,
        name: s.name,
        bundle: s.bundle,
        task: s.task,
        access: s.access,
        config: JSON.stringify(s.config),
        reason: s.reason,
        timing: JSON.stringify(s.timing),
        blackouts: JSON.stringify(s.blackouts),
        jitter_seconds: s.jitterSeconds,
        missed: s.missed,
        paused: s.paused ? 1 : 0,
        owner: s.owner,
        revision: s.revision,
        approval_required: s.approvalRequired ? 1 : 0,
        approved_by: s.approvedBy,
        approved_at: s.approvedAt,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
        updated_by: s.updatedBy,
      });
    sealSchedules(this.db, vaultKey, s.updatedAt);
  }

  remove(this: Schedules<Database>, id: string, vaultKey: Buffer, now: string): void {
    this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id);
    this.db.prepare('DELETE FROM schedule_state WHERE schedule_id = ?').run(id);
    sealSchedules(this.db, vaultKey, now);
  }

  // --- operational state (not sealed: it can only make a sealed schedule fire or skip) ---

  state(id: string): { cursor: string; lastRunId: string | null; lastFiredAt: string | null } | null {
    const r = this.db.prepare('SELECT cursor, last_run_id, last_fired_at FROM schedule_state WHERE schedule_id = ?').get(id) as
      { cursor: string; last_run_id: string | null; last_fired_at: string | null } | undefined;
    return r ? { cursor: r.cursor, lastRunId: r.last_run_id, lastFiredAt: r.last_fired_at } : null;
  }

  /** Moves the cursor (nothing before it will fire): at creation, resume, approval and change. */
  resetCursor(this: Schedules<Database>, id: string, cursor: string): void {
    this.db
      .prepare(
        'INSERT INTO schedule_state(schedule_id, cursor) VALUES (?, ?) ON CONFLICT(schedule_id) DO UPDATE SET cursor = excluded.cursor',
      )
      .run(id, cursor);
  }

  advance(this: Schedules<Database>, id: string, cursor: string, fired: { runId: string; at: string } | null): void {
    this.resetCursor(id, cursor);
    if (fired)
      this.db.prepare('UPDATE schedule_state SET last_run_id = ?, last_fired_at = ? WHERE schedule_id = ?').run(fired.runId, fired.at, id);
  }

  /** Records what happened to one occurrence (started, skipped with the reason, failed with the error). */
  note(
    this: Schedules<Database>,
    e: {
      scheduleId: string;
      occurrence: string;
      at: string;
      result: 'started' | 'skipped' | 'failed';
      reason: string | null;
      runId?: string | null;
    },
  ): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO schedule_events(schedule_id, occurrence, handled_at, result, reason, run_id) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(e.scheduleId, e.occurrence, e.at, e.result, e.reason, e.runId ?? null);
  }

  events(id: string, limit = 50): ScheduleEvent[] {
    return (
      this.db
        .prepare(
          'SELECT occurrence, handled_at, result, reason, run_id FROM schedule_events WHERE schedule_id = ? ORDER BY seq DESC LIMIT ?',
        )
        .all(id, limit) as Array<{
        occurrence: string;
        handled_at: string;
        result: ScheduleEvent['result'];
        reason: string | null;
        run_id: string | null;
      }>
    ).map((r) => ({ occurrence: r.occurrence, handledAt: r.handled_at, result: r.result, reason: r.reason, runId: r.run_id }));
  }
}

export interface ScheduleEvent {
  occurrence: string;
  handledAt: string;
  result: 'started' | 'skipped' | 'failed';
  reason: string | null;
  runId: string | null;
}
