/**
 * Issue 8, must show: after a purge, a decrypted copy of the database (and its WAL) contains none of
 * the purged text. A real encrypted store file; runs written the way the runner writes them
 * (RunRecords: insert, appendLogs in batches, finish); the files decrypted page by page with the data
 * key, outside SQLite (test/helpers/sqlcipher-decrypt.ts). The same check finds every text before
 * the purge and the text that was not purged after it, so it can fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RunRecords, type RunState } from '../../../src/runner';
import { checkIntegrity, openDatabase } from '../../../src/store/database';
import { purgeRuns } from '../../../src/runner/retention';
import { layoutOf } from '../../../src/store/files';
import { as, initialisedCore, rejects, tempDir } from '../../helpers/core';
import { appendLog, finishRun, insertRun } from '../../helpers/run-records';
import { decryptDatabaseFile, decryptWalFile, textsFound, type DecryptedPage } from '../../helpers/sqlcipher-decrypt';

const NOW = new Date('2026-11-26T08:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const tag = (name: string) => `${name}-${randomBytes(6).toString('hex')}`;

/** Distinctive texts, short enough that each whole occurrence sits inside one page. */
const T = {
  oldLog: tag('OLDLOG'),
  oldLongLine: tag('OLDLONG'),
  oldIssue: tag('OLDISSUE'),
  oldReport: tag('OLDREPORT'),
  oldWarning: tag('OLDWARN'),
  oldSummary: tag('OLDSUMMARY'),
  recentLog: tag('RECENTLOG'),
  recentReport: tag('RECENTREPORT'),
  activeLog: tag('ACTIVELOG'),
  midLog: tag('MIDLOG'),
  midReport: tag('MIDREPORT'),
  neighbourGone: tag('NEIGHBOURGONE'),
  neighbourKept: tag('NEIGHBOURKEPT'),
};

let n = 0;
function addRun(
  records: RunRecords,
  opts: { createdDaysAgo: number; state?: RunState; logText: string; lines: number; report?: string; longLine?: string; warning?: string },
): string {
  const id = `r-${(n++).toString().padStart(4, '0')}${randomBytes(3).toString('hex')}`;
  const created = new Date(NOW.getTime() - opts.createdDaysAgo * DAY);
  insertRun(records, id, created);
  const lines = Array.from({ length: opts.lines }, (_, i) => `line ${i} ${opts.logText} /var/lib/data ${i % 7}`);
  // A line longer than a page goes to overflow pages.
  if (opts.longLine) lines.push(`${opts.longLine} `.repeat(800));
  appendLog(records, id, created, lines);
  if (opts.state && opts.state !== 'finished') {
    records.markRunning(id, {
      startedAt: created.toISOString(),
      deadline: new Date(created.getTime() + 60_000).toISOString(),
      sandbox: null as never,
      containerId: 'c',
    });
    return id;
  }
  const text = opts.report ?? 'nothing';
  finishRun(records, id, new Date(created.getTime() + 30_000), text, {
    outcome: 'failed',
    exitCode: 1,
    warnings: opts.warning ? [`could not remove ${opts.warning}`] : [],
    log: { totalBytes: 1000, keptBytes: 1000, truncated: false },
  });
  return id;
}

/**
 * Runs that log at the same time (the runner runs several at once): their batches interleave, so
 * pages of the log table hold lines of old and recent runs side by side, and split and rebalance.
 * This is where SQLite leaves stale copies that secure_delete alone does not reach (see below).
 */
function addNeighbours(records: RunRecords, pairs: number, gone: string, kept: string, idOf: (i: number) => string): string[] {
  const runs = Array.from({ length: pairs * 2 }, (_, i) => ({
    id: idOf(i),
    old: i % 2 === 0,
    created: new Date(NOW.getTime() - (i % 2 === 0 ? 400 : 2) * DAY),
  }));
  for (const r of runs) insertRun(records, r.id, r.created);
  const LINES = 1500;
  const BATCH = 37;
  for (let i = 0; i < LINES; i += BATCH) {
    for (const r of runs) {
      const text = r.old ? gone : kept;
      appendLog(
        records,
        r.id,
        r.created,
        Array.from({ length: Math.min(BATCH, LINES - i) }, (_, j) => `${text} ${i + j} ${'.'.repeat((i + j) % 200)}`),
        i + 1,
      );
    }
  }
  for (const r of runs) finishRun(records, r.id, r.created, r.old ? gone : kept, { issues: [] });
  return runs.filter((r) => r.old).map((r) => r.id);
}

describe('purge: the purged text is gone from the decrypted database and WAL', { timeout: 120_000 }, () => {
  let env: Awaited<ReturnType<typeof initialisedCore>>;
  let key: Buffer;
  let dbPath: string;
  const ids: Record<string, string> = {};
  let hasSummaries = false;
  let neighbours: string[] = [];

  /** What someone with a copy of the files and the data key reads: every page of the database and every frame of its WAL. */
  const onDisk = (): DecryptedPage[] => {
    const copy = tempDir('agr-copy-');
    try {
      copyFileSync(dbPath, join(copy, 'store.db'));
      if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, join(copy, 'store.db-wal'));
      return [...decryptDatabaseFile(join(copy, 'store.db'), key), ...decryptWalFile(join(copy, 'store.db-wal'), key)];
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  };

  before(async () => {
    env = await initialisedCore({ start: NOW });
    key = Buffer.from(env.core.sessions.touch(env.admin, NOW.getTime())!.keyring.data);
    dbPath = layoutOf(env.home).database;
    const db = env.core.store.db;
    const records = new RunRecords(db);
    // Old run: its log and report are past both limits (90 and 365 days by default).
    ids.old = addRun(records, {
      createdDaysAgo: 400,
      logText: T.oldLog,
      lines: 3000,
      longLine: T.oldLongLine,
      report: `${T.oldIssue} ${T.oldReport}`,
      warning: T.oldWarning,
    });
    // Past the log limit only: loses its log, keeps its report.
    ids.mid = addRun(records, { createdDaysAgo: 120, logText: T.midLog, lines: 50, report: T.midReport });
    hasSummaries = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_summaries'").get() !== undefined;
    if (hasSummaries) {
      db.prepare(
        "INSERT INTO run_summaries(id, run_id, created_at, created_by, endpoint, model, rule_set, rule_version, prompt, answer, status) VALUES ('s1', ?, ?, 'otto', 'https://llm.site', 'm', 'default', '1', ?, ?, 'ok')",
      ).run(ids.old, NOW.toISOString(), `prompt ${T.oldSummary}`, `answer ${T.oldSummary}`);
    }
    neighbours = addNeighbours(records, 6, T.neighbourGone, T.neighbourKept, (i) => `r-n${i.toString().padStart(9, '0')}`);
    // Old pages reach the database file, as they do in use when SQLite checkpoints on its own.
    db.pragma('wal_checkpoint(TRUNCATE)');
    ids.recent = addRun(records, { createdDaysAgo: 2, logText: T.recentLog, lines: 200, report: T.recentReport });
    ids.active = addRun(records, { createdDaysAgo: 200, state: 'running', logText: T.activeLog, lines: 20 });
  });

  after(() => env?.cleanup());

  it('before the purge, the decrypted files hold every text (so the check can fail)', () => {
    const all = Object.values(T).filter((t) => t !== T.oldSummary || hasSummaries);
    assert.deepEqual(textsFound(onDisk(), all), all);
    // The recent run was written after the checkpoint: its text is in the WAL, not yet in the file.
    assert.deepEqual(textsFound(decryptWalFile(`${dbPath}-wal`, key), [T.recentLog]), [T.recentLog]);
    assert.deepEqual(textsFound(decryptDatabaseFile(dbPath, key), [T.recentLog]), []);
  });

  it('a dry run counts what would go and removes nothing', async () => {
    const shown = await as(env.core, env.admin)('retention.show', {});
    assert.deepEqual(shown.limits, { runLogDays: 90, runReportDays: 365 });
    assert.equal(shown.plan.logs.runs, 2 + 6);
    assert.equal(shown.plan.logs.lines, 3000 + 1 + 50 + 6 * 1500);
    assert.ok(shown.plan.logs.bytes > 3000 * 40, `log bytes ${shown.plan.logs.bytes}`);
    assert.equal(shown.plan.reports.runs, 1 + 6);
    assert.ok(shown.plan.reports.bytes > 200);
    assert.equal(shown.plan.skippedActive, 1, 'the running run is old enough but skipped');
    assert.deepEqual(new Set(shown.plan.runIds), new Set([ids.old, ids.mid, ...neighbours]));
    assert.equal(
      (env.core.store.db.prepare('SELECT count(*) AS n FROM run_logs').get() as { n: number }).n,
      3000 + 1 + 50 + 200 + 20 + 12 * 1500,
    );
  });

  it('a running run is never purged', async () => {
    assert.match(
      await rejects(as(env.core, env.admin)('retention.purge', { runId: ids.active }), 'CONFLICT'),
      /running; a run is purged only once it has finished/,
    );
  });

  it('purges by the limits: one audit event with counts, the WAL truncated, the text gone from both files', async () => {
    const db = env.core.store.db;
    const successes = () =>
      db.prepare("SELECT details FROM audit_events WHERE action = 'retention.purge' AND outcome = 'success' ORDER BY seq").all() as Array<{
        details: string;
      }>;
    const eventsBefore = successes().length;
    const done = await as(env.core, env.admin)('retention.purge', {});
    assert.equal(done.logs.runs, 8);
    assert.equal(done.reports.runs, 7);
    assert.equal(done.walTruncated, true);
    assert.equal(statSync(`${dbPath}-wal`).size, 0, 'the WAL is truncated to nothing');

    const events = successes();
    assert.equal(events.length, eventsBefore + 1, 'exactly one audit event');
    const raw = events[events.length - 1]!.details;
    const details = JSON.parse(raw) as { logs: { lines: number }; runIds: string[] };
    assert.equal(details.logs.lines, 3051 + 9000);
    assert.deepEqual(new Set(details.runIds), new Set([ids.old, ids.mid, ...neighbours]));
    for (const text of Object.values(T)) assert.ok(!raw.includes(text), 'the event names no purged text');

    const purged = [T.oldLog, T.oldLongLine, T.oldIssue, T.oldReport, T.oldWarning, T.oldSummary, T.midLog, T.neighbourGone];
    const kept = [T.midReport, T.recentLog, T.recentReport, T.activeLog, T.neighbourKept];
    const pages = onDisk();
    assert.deepEqual(textsFound(pages, purged), [], 'no purged text in the decrypted database or WAL');
    assert.deepEqual(textsFound(pages, kept), kept, 'text that was not purged is still found by the same check');
    // Rebuilt from the live rows: no free page left, and the page MACs and SQLite's own check pass.
    assert.deepEqual([done.vacuumed, done.freePages], [true, 0]);
    checkIntegrity(db, 'full');
  });

  it('the run keeps its record and says when and by whom its log and report were purged', async () => {
    const api = as(env.core, env.admin);
    const old = await api('runs.show', { id: ids.old });
    assert.equal(old.outcome, 'failed');
    assert.deepEqual(old.purged.logs, { at: NOW.toISOString(), by: 'user:admin' });
    assert.deepEqual(old.purged.report, { at: NOW.toISOString(), by: 'user:admin' });
    assert.deepEqual([old.issueList, old.report, old.warnings], [[], [], []]);
    assert.equal((await api('runs.logs', { id: ids.old })).lines.length, 0);
    const mid = await api('runs.show', { id: ids.mid });
    assert.ok(mid.purged.logs && !mid.purged.report, 'past the log limit only');
    assert.equal(mid.issueList.length, 1);
    const list = await api('runs.list', {});
    assert.equal(list.runs.find((r) => r.id === ids.recent)?.purged.logs, null);
    // Nothing left by the limits: a second purge removes nothing.
    const again = await api('retention.purge', {});
    assert.deepEqual([again.logs.runs, again.reports.runs], [0, 0]);
  });

  it('purges one run and runs before a date on request; refuses a date in the future', async () => {
    const api = as(env.core, env.admin);
    await rejects(api('retention.purge', { before: '2099-01-01' }), 'INVALID_INPUT');
    await rejects(api('retention.purge', { before: 'last tuesday' }), 'INVALID_INPUT');
    const one = await api('retention.purge', { runId: ids.recent });
    assert.deepEqual([one.scope, one.logs.runs, one.reports.runs, one.logs.lines], ['run', 1, 1, 200]);
    const pages = onDisk();
    assert.deepEqual(textsFound(pages, [T.recentLog, T.recentReport]), []);
    assert.deepEqual(textsFound(pages, [T.midReport, T.activeLog]), [T.midReport, T.activeLog]);
    const before = await api('retention.purge', { before: '2026-11-01' });
    assert.deepEqual([before.reports.runs, before.skippedActive], [1, 1]);
    assert.deepEqual(textsFound(onDisk(), [T.midReport, T.activeLog]), [T.activeLog]);
  });
});

describe('runs purged next to kept runs (measured on a store file)', () => {
  const GONE = 'GONE-0123456789ab';
  const KEPT = 'KEPT-0123456789ab';

  /** Six old and six recent runs that logged at the same time. Fixed ids and texts: the b-tree layout, and so what is measured, is the same on every run. */
  async function neighbourStore() {
    const env = await initialisedCore({ start: NOW });
    addNeighbours(new RunRecords(env.core.store.db), 6, GONE, KEPT, (i) => `r-c${i.toString().padStart(9, '0')}`);
    const key = Buffer.from(env.core.sessions.touch(env.admin, NOW.getTime())!.keyring.data);
    return { env, key, path: layoutOf(env.home).database };
  }

  it('with secure_delete alone, purged log lines stay readable in stale copies SQLite leaves in pages it rebalanced', async () => {
    const { env, key, path } = await neighbourStore();
    try {
      const db = env.core.store.db;
      assert.equal(Number(db.pragma('secure_delete', { simple: true })), 1);
      db.transaction(() => purgeRuns(db, { kind: 'retention' }, 'user:admin', NOW))();
      db.pragma('wal_checkpoint(TRUNCATE)');
      assert.equal(
        (db.prepare('SELECT count(*) AS n FROM run_logs WHERE text LIKE ?').get(`${GONE}%`) as { n: number }).n,
        0,
        'no row holds it',
      );
      const stale = decryptDatabaseFile(path, key).filter((p) => p.plain.includes(GONE));
      console.log(`measured: secure_delete and a checkpoint only: ${stale.length} page(s) still hold purged log text`);
      assert.ok(stale.length > 0, 'stale copies remain: this is why the purge rebuilds the file (VACUUM)');
    } finally {
      await env.cleanup();
    }
  });

  it('the same store purged through the API: no copy is left, the kept runs are intact', async () => {
    const { env, key, path } = await neighbourStore();
    try {
      const done = await as(env.core, env.admin)('retention.purge', {});
      assert.deepEqual([done.logs.runs, done.vacuumed, done.walTruncated], [6, true, true]);
      assert.deepEqual(textsFound([...decryptDatabaseFile(path, key), ...decryptWalFile(`${path}-wal`, key)], [GONE, KEPT]), [KEPT]);
      assert.equal((env.core.store.db.prepare('SELECT count(*) AS n FROM run_logs').get() as { n: number }).n, 6 * 1500);
    } finally {
      await env.cleanup();
    }
  });

  it('without secure_delete, deleted log text stays readable in the decrypted file after a checkpoint', () => {
    const dir = tempDir();
    const key = randomBytes(32);
    const path = join(dir, 'control.db');
    const db = openDatabase(path, key, { create: true });
    db.pragma('secure_delete = OFF');
    db.exec('CREATE TABLE t(x TEXT)');
    const text = tag('CONTROL');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 500; i++) insert.run(`${i} ${text} padding padding padding padding`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('DELETE FROM t');
    db.pragma('wal_checkpoint(TRUNCATE)');
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 0);
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    db.close();
    assert.ok(existsSync(copy));
    assert.deepEqual(textsFound(decryptDatabaseFile(copy, key), [text]), [text], 'the deleted rows are still in the free pages');
    rmSync(dir, { recursive: true, force: true });
  });
});
