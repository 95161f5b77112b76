/**
 * The audit chain inside the encrypted store. `appendEvent` is the one function every handler
 * records through; it must run inside the transaction of the change it records.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type AuditRecord, type Clock, type ReadonlyDb } from '../kernel';
import {
  CLOCK_BACKWARDS_ACTION,
  GENESIS_ACTION,
  checkChain,
  genesisPrevHash,
  sealEventText,
  type AuditEvent,
  type AuditOutcome,
  type ChainProblem,
} from './chain';
import { readAnchor } from './exports-store';
import { storedToEvent, type StoredAuditEvent, type StoredLine } from './event-line';
import { LINE_COLUMNS, detailsSpan, type LineRow } from './line-sql';

/** What a change records; the chain adds time, sequence and hashes. */
export type NewEvent = AuditRecord;

interface Row {
  seq: number;
  time: string;
  mono: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  details: string;
  details_hash: string;
  prev_hash: string;
  hash: string;
}

export function rowToEvent(row: Row): AuditEvent {
  return {
    seq: row.seq,
    time: row.time,
    mono: row.mono,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    details: JSON.parse(row.details),
    detailsHash: row.details_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function lastRow(db: Database): Row | undefined {
  return statements(db).last.get() as Row | undefined;
}

/**
 * The append path's two statements, prepared once per connection: preparing them on every event cost
 * about 40% of an append's CPU (bench/audit). A reopened or rekeyed store is a new connection object.
 */
const LAST_EVENT = 'SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1';
const appendStatements = new WeakMap<Database, { last: Statement; insert: Statement }>();

function statements(db: Database): { last: Statement; insert: Statement } {
  let cached = appendStatements.get(db);
  if (!cached) {
    cached = {
      last: db.prepare(LAST_EVENT),
      insert: db.prepare(
        `INSERT INTO audit_events (seq, time, mono, actor, action, target, outcome, details, details_hash, prev_hash, hash)
         VALUES (@seq, @time, @mono, @actor, @action, @target, @outcome, @details, @detailsHash, @prevHash, @hash)`,
      ),
    };
    appendStatements.set(db, cached);
  }
  return cached;
}

/**
 * Stores the event with its details as `canonicalJson(details)`, the very text its detailsHash
 * covers: an export writes that text as it stands once its hash matches (storedEventLine), instead
 * of parsing and re-serialising it. Rows stored before this were JSON.stringify's text; any text
 * whose hash does not match is parsed and re-serialised as before.
 */
function insert(db: Database, sealed: { event: AuditEvent; detailsText: string }): AuditEvent {
  statements(db).insert.run({ ...sealed.event, details: sealed.detailsText });
  return sealed.event;
}

/** A UTF-16 surrogate without its other half: no UTF-8 text can hold one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `text` as the store keeps it: SQLite holds UTF-8, and better-sqlite3 writes each lone surrogate as
 * U+FFFD. The event is hashed as it will be stored, or its hash would not match the row (and every
 * check and export would report the event as altered). Details need nothing: their canonical JSON
 * text spells a lone surrogate as an escape (`\ud800`).
 */
function storable(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

function sealNext(prev: Row | undefined, workstationId: string, wall: Date, e: NewEvent): { event: AuditEvent; detailsText: string } {
  const wallMs = wall.getTime();
  const mono = prev ? Math.max(prev.mono + 1, wallMs) : wallMs;
  return sealEventText(
    prev ? prev.hash : genesisPrevHash(workstationId),
    {
      seq: (prev?.seq ?? 0) + 1,
      time: wall.toISOString(),
      mono,
      actor: storable(e.actor),
      action: storable(e.action),
      target: e.target ? storable(e.target) : (e.target ?? null),
      outcome: e.outcome,
    },
    e.details ?? {},
  );
}

/** The first event: binds the chain to this workstation. */
export function appendGenesis(db: Database, workstationId: string, clock: Clock): AuditEvent {
  if (lastRow(db)) throw new Error('the audit chain already has a genesis event');
  return insert(
    db,
    sealNext(undefined, workstationId, clock.now(), {
      actor: 'system',
      action: GENESIS_ACTION,
      outcome: 'success',
      details: { workstationId, format: 'airgap-runner/audit/v1' },
    }),
  );
}

/**
 * Appends one event (and, first, a clock-went-backwards event when the wall clock is earlier
 * than the last event's). Returns the events written, the requested one last.
 */
export function appendEvent(db: Database, workstationId: string, clock: Clock, e: NewEvent): AuditEvent[] {
  const written: AuditEvent[] = [];
  let prev = lastRow(db);
  const wall = e.time ?? clock.now();
  if (prev && !e.time && wall.getTime() < Date.parse(prev.time)) {
    const warning = sealNext(prev, workstationId, wall, {
      actor: 'system',
      action: CLOCK_BACKWARDS_ACTION,
      outcome: 'success',
      details: { previousTime: prev.time, now: wall.toISOString() },
    });
    written.push(insert(db, warning));
    prev = lastRow(db);
  }
  written.push(insert(db, sealNext(prev, workstationId, wall, e)));
  return written;
}

export function* iterateEvents(db: ReadonlyDb, fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): Generator<AuditEvent> {
  const stmt = db.prepare('SELECT * FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq');
  for (const row of stmt.iterate(fromSeq, toSeq)) yield rowToEvent(row as Row);
}

/** A row as `.raw()` hands it out, in the order of `PAGE_COLUMNS`. */
type PageRow = [number, string, number, string, string, string | null, AuditOutcome, string, string, string, string];
const PAGE_COLUMNS = 'seq, time, mono, actor, action, target, outcome, details, details_hash, prev_hash, hash';

function pageRowToStored(r: PageRow): StoredAuditEvent {
  return {
    seq: r[0],
    time: r[1],
    mono: r[2],
    actor: r[3],
    action: r[4],
    target: r[5],
    outcome: r[6],
    detailsJson: r[7],
    detailsHash: r[8],
    prevHash: r[9],
    hash: r[10],
  };
}

/**
 * Pages through a range as the store holds it (details as stored JSON text), so a long export never
 * holds the connection busy between awaits: a page is read in one statement call (rows as arrays,
 * `.raw()`), and other work gets a turn (setImmediate) before the next page. Handing out pages, not
 * events, spares an export a promise per event.
 */
export function storedEventPages(db: ReadonlyDb, fromSeq: number, toSeq: number, pageSize = 1000): AsyncIterable<StoredAuditEvent[]> {
  const stmt = db.prepare(`SELECT ${PAGE_COLUMNS} FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`).raw();
  return pagesOf(fromSeq, toSeq, (from) => (stmt.all(from, toSeq, pageSize) as PageRow[]).map(pageRowToStored));
}

/**
 * storedEventPages, but each event whose fields allow it comes as its line, which the store wrote
 * around the stored details text (line-sql.ts): four strings for JavaScript to receive instead of
 * eleven, and nothing to serialise. Any other event is read again as storedEventPages reads it.
 */
export function storedLinePages(
  db: ReadonlyDb,
  fromSeq: number,
  toSeq: number,
  pageSize = 1000,
): AsyncIterable<Array<StoredAuditEvent | StoredLine>> {
  const stmt = db.prepare(`SELECT ${LINE_COLUMNS} FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`).raw();
  const one = db.prepare(`SELECT ${PAGE_COLUMNS} FROM audit_events WHERE seq = ?`).raw();
  const toEvent = (r: LineRow): StoredAuditEvent | StoredLine => {
    const [seq, prevHash, hash, detailsHash] = r;
    const span = detailsSpan(r);
    if (span) return { seq, prevHash, hash, detailsHash, line: span.line, detailsStart: span.start, detailsEnd: span.end };
    const row = one.get(seq) as PageRow | undefined;
    if (!row) throw new ApiError('CONFLICT', `Event ${seq} left the store while it was read. Run the store check, then export again.`);
    return pageRowToStored(row);
  };
  return pagesOf(fromSeq, toSeq, (from) => (stmt.all(from, toSeq, pageSize) as LineRow[]).map(toEvent));
}

/** The pages `read` returns from each next seq on, a turn for other work between them. */
function pagesOf<T extends { seq: number }>(fromSeq: number, toSeq: number, read: (fromSeq: number) => T[]): AsyncIterable<T[]> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let nextSeq = fromSeq; nextSeq <= toSeq;) {
        const page = read(nextSeq);
        if (page.length === 0) return;
        nextSeq = page[page.length - 1]!.seq + 1;
        yield page;
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

/** The events of a range, parsed, read a page at a time (storedEventPages). */
export function pagedEvents(db: ReadonlyDb, fromSeq: number, toSeq: number, pageSize = 5000): AsyncIterable<AuditEvent> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<AuditEvent> {
      const pages = storedEventPages(db, fromSeq, toSeq, pageSize)[Symbol.asyncIterator]();
      let page: StoredAuditEvent[] = [];
      let at = 0;
      return {
        next: async (): Promise<IteratorResult<AuditEvent>> => {
          while (at >= page.length) {
            const read = await pages.next();
            if (read.done) return { done: true, value: undefined };
            page = read.value;
            at = 0;
          }
          return { done: false, value: storedToEvent(page[at++]!) };
        },
      };
    },
  };
}

/** When the chain's oldest kept event happened (null for an empty chain). */
export function firstEventTime(db: ReadonlyDb): string | null {
  return (db.prepare('SELECT min(time) AS t FROM audit_events').get() as { t: string | null }).t;
}

export function chainHead(db: ReadonlyDb): { seq: number; hash: string } | null {
  const row = db.prepare(LAST_EVENT).get() as Row | undefined;
  return row ? { seq: row.seq, hash: row.hash } : null;
}

/**
 * Walks the whole stored chain and names the first bad event: from the genesis, or after pruning
 * from the anchor (the last pruned event's hash, which a confirmed export holds).
 */
export function checkStoredChain(
  db: ReadonlyDb,
  workstationId: string,
): { ok: true; count: number; head: { seq: number; hash: string } | null } | { ok: false; count: number; problem: ChainProblem } {
  const anchor = readAnchor(db);
  const first = db.prepare('SELECT * FROM audit_events ORDER BY seq LIMIT 1').get() as Row | undefined;
  if (!anchor && first && (first.action !== GENESIS_ACTION || JSON.parse(first.details).workstationId !== workstationId)) {
    return {
      ok: false,
      count: 0,
      problem: { kind: 'prevHash', seq: first.seq, message: `event ${first.seq} is not this workstation's genesis event` },
    };
  }
  const result = anchor
    ? checkChain(iterateEvents(db), anchor.hash, anchor.seq + 1)
    : checkChain(iterateEvents(db), genesisPrevHash(workstationId), 1);
  if (!result.ok) return result;
  return { ok: true, count: result.count, head: chainHead(db) };
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  since?: string;
  limit?: number;
  beforeSeq?: number;
}

export function queryEvents(db: ReadonlyDb, q: AuditQuery): AuditEvent[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.action) {
    where.push('action = @action');
    params.action = q.action;
  }
  if (q.actor) {
    where.push('actor = @actor');
    params.actor = q.actor;
  }
  if (q.since) {
    where.push('time >= @since');
    params.since = q.since;
  }
  if (q.beforeSeq) {
    where.push('seq < @beforeSeq');
    params.beforeSeq = q.beforeSeq;
  }
  params.limit = q.limit ?? 100;
  const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`;
  return (db.prepare(sql).all(params) as Row[]).map(rowToEvent);
}
