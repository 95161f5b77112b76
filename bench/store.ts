/**
 * bench/store: the encrypted store against the same library with no key, in the same run.
 * Transactional inserts and indexed queries shaped like runs and audit events, with the pragmas
 * the product uses (WAL, synchronous=FULL, secure_delete). Target: encrypted/plain <= 1.3.
 *
 *   node --import tsx bench/store.ts [--tx 1500] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3-multiple-ciphers';
import { openDatabase, type Db } from '../src/store/database';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TX = arg('tx', 1500);
const ROUNDS = arg('rounds', 3);

const SCHEMA = `
  CREATE TABLE runs (id INTEGER PRIMARY KEY, bundle_digest TEXT NOT NULL, task TEXT NOT NULL, started_by TEXT NOT NULL,
    config TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, exit_code INTEGER);
  CREATE INDEX runs_state ON runs(state, created_at);
  CREATE TABLE events (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT, outcome TEXT NOT NULL, details TEXT NOT NULL, details_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE INDEX events_action ON events(action);
  CREATE INDEX events_time ON events(time);`;

function plainDb(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  return db;
}

const ACTIONS = ['runs.start', 'runs.finish', 'auth.signIn', 'settings.set', 'bundles.import'];

function workload(db: Db): { insertMs: number; queryMs: number } {
  db.exec(SCHEMA);
  const insRun = db.prepare('INSERT INTO runs (bundle_digest, task, started_by, config, state, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insEvent = db.prepare(
    'INSERT INTO events (time, actor, action, target, outcome, details, details_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const finish = db.prepare("UPDATE runs SET state = 'succeeded', finished_at = ?, exit_code = 0 WHERE id = ?");
  let prev = '0'.repeat(64);
  const tx = db.transaction((i: number) => {
    const now = new Date(1_700_000_000_000 + i * 1000).toISOString();
    const id = insRun.run(
      `sha256:${createHash('sha256')
        .update(String(i % 50))
        .digest('hex')}`,
      `task-${i % 20}`,
      `user:op${i % 5}`,
      JSON.stringify({ NAMESPACE: `ns-${i}`, LIMIT: i }),
      'running',
      now,
    ).lastInsertRowid;
    for (let k = 0; k < 3; k++) {
      const details = JSON.stringify({ run: Number(id), k, note: randomBytes(24).toString('hex') });
      const hash = createHash('sha256')
        .update(prev + details)
        .digest('hex');
      insEvent.run(
        now,
        `user:op${i % 5}`,
        ACTIONS[(i + k) % ACTIONS.length],
        `run:${id}`,
        'success',
        details,
        createHash('sha256').update(details).digest('hex'),
        prev,
        hash,
      );
      prev = hash;
    }
    finish.run(now, id);
  });
  const t0 = performance.now();
  for (let i = 0; i < TX; i++) tx(i);
  const insertMs = performance.now() - t0;

  const byId = db.prepare('SELECT * FROM runs WHERE id = ?');
  const byState = db.prepare('SELECT id FROM runs WHERE state = ? ORDER BY created_at DESC LIMIT 50');
  const byAction = db.prepare('SELECT seq, hash FROM events WHERE action = ? ORDER BY seq DESC LIMIT 100');
  const byTime = db.prepare('SELECT count(*) n FROM events WHERE time >= ? AND time < ?');
  const t1 = performance.now();
  for (let i = 0; i < 4000; i++) {
    byId.get(((i * 7919) % TX) + 1);
    if (i % 4 === 0) byState.all('succeeded');
    if (i % 4 === 1) byAction.all(ACTIONS[i % ACTIONS.length]);
    if (i % 4 === 2)
      byTime.get(
        new Date(1_700_000_000_000 + (i % TX) * 1000).toISOString(),
        new Date(1_700_000_000_000 + ((i % TX) + 60) * 1000).toISOString(),
      );
  }
  const queryMs = performance.now() - t1;
  return { insertMs, queryMs };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const results = { enc: { insert: [] as number[], query: [] as number[] }, plain: { insert: [] as number[], query: [] as number[] } };
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? (['plain', 'enc'] as const) : (['enc', 'plain'] as const)) {
    const dir = mkdtempSync(join(tmpdir(), 'agr-bench-store-'));
    const db = kind === 'enc' ? openDatabase(join(dir, 'b.db'), randomBytes(32), { create: true }) : plainDb(join(dir, 'b.db'));
    const r = workload(db);
    db.close();
    rmSync(dir, { recursive: true, force: true });
    results[kind].insert.push(r.insertMs);
    results[kind].query.push(r.queryMs);
  }
}
const encTotal = median(results.enc.insert) + median(results.enc.query);
const plainTotal = median(results.plain.insert) + median(results.plain.query);
const fmt = (n: number) => `${n.toFixed(0)} ms`;
console.log(
  `bench/store: ${TX} transactions (1 run + 3 audit events + 1 update each), then 4000 indexed queries; median of ${ROUNDS} rounds`,
);
console.log(
  `  inserts  encrypted ${fmt(median(results.enc.insert))}  plain ${fmt(median(results.plain.insert))}  ratio ${(median(results.enc.insert) / median(results.plain.insert)).toFixed(2)}`,
);
console.log(
  `  queries  encrypted ${fmt(median(results.enc.query))}  plain ${fmt(median(results.plain.query))}  ratio ${(median(results.enc.query) / median(results.plain.query)).toFixed(2)}`,
);
console.log(
  `  total    encrypted ${fmt(encTotal)}  plain ${fmt(plainTotal)}  ratio ${(encTotal / plainTotal).toFixed(2)} (target <= 1.30)`,
);
