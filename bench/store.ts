/**
 * bench/store: the encrypted store against the same library with no key, in the same run.
 * Transactional inserts and indexed queries shaped like runs and audit events. Both sides run with
 * the pragmas the product uses (STORE_PRAGMAS from src/store/database.ts: WAL, synchronous=FULL,
 * secure_delete, temp_store=MEMORY, ...); only the key differs. The two databases are driven in
 * alternating blocks of 50 transactions (and 200 queries), so both see the same disk and the same
 * load from other processes. Wall and CPU time (user+system of this process) are both printed.
 * Target (issue 19): encrypted/plain total wall time <= 1.10.
 * It also prints the format's floor on this CPU: the plain side's time plus, for every page a commit
 * writes, AES-256-CBC and HMAC-SHA512 at the speed `openssl speed` measures here. SQLCipher 4 encrypts
 * and authenticates each page SQLite writes to the WAL, one page at a time, so a cipher as fast as
 * OpenSSL's on one stream still leaves the ratio there.
 *
 *   node --import tsx bench/store.ts [--tx 1500] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyStorePragmas, openDatabase, type Db } from '../src/store/database';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TX = arg('tx', 1500);
const ROUNDS = arg('rounds', 3);
const QUERIES = 4000;
const TX_BLOCK = 50;
const QUERY_BLOCK = 200;
const TARGET = 1.1;

const SCHEMA = `
  CREATE TABLE runs (id INTEGER PRIMARY KEY, bundle_digest TEXT NOT NULL, task TEXT NOT NULL, started_by TEXT NOT NULL,
    config TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, exit_code INTEGER);
  CREATE INDEX runs_state ON runs(state, created_at);
  CREATE TABLE events (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT, outcome TEXT NOT NULL, details TEXT NOT NULL, details_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE INDEX events_action ON events(action);
  CREATE INDEX events_time ON events(time);`;

/** The same library and the same pragmas as the store, without a key. */
function plainDb(path: string): Db {
  const db = new Database(path);
  applyStorePragmas(db, { readonly: false });
  return db;
}

const ACTIONS = ['runs.start', 'runs.finish', 'auth.signIn', 'settings.set', 'bundles.import'];

interface Side {
  insert: (i: number) => void;
  query: (i: number) => void;
}

function prepareSide(db: Db): Side {
  db.exec(SCHEMA);
  const insRun = db.prepare('INSERT INTO runs (bundle_digest, task, started_by, config, state, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insEvent = db.prepare(
    'INSERT INTO events (time, actor, action, target, outcome, details, details_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const finish = db.prepare("UPDATE runs SET state = 'succeeded', finished_at = ?, exit_code = 0 WHERE id = ?");
  let prev = '0'.repeat(64);
  const insert = db.transaction((i: number) => {
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

  const byId = db.prepare('SELECT * FROM runs WHERE id = ?');
  const byState = db.prepare('SELECT id FROM runs WHERE state = ? ORDER BY created_at DESC LIMIT 50');
  const byAction = db.prepare('SELECT seq, hash FROM events WHERE action = ? ORDER BY seq DESC LIMIT 100');
  const byTime = db.prepare('SELECT count(*) n FROM events WHERE time >= ? AND time < ?');
  const query = (i: number) => {
    byId.get(((i * 7919) % TX) + 1);
    if (i % 4 === 0) byState.all('succeeded');
    if (i % 4 === 1) byAction.all(ACTIONS[i % ACTIONS.length]);
    if (i % 4 === 2)
      byTime.get(
        new Date(1_700_000_000_000 + (i % TX) * 1000).toISOString(),
        new Date(1_700_000_000_000 + ((i % TX) + 60) * 1000).toISOString(),
      );
  };
  return { insert, query };
}

type Kind = 'enc' | 'plain';
type Phase = 'insert' | 'query';
interface Spent {
  wallMs: number;
  cpuMs: number;
}

/** Runs `count` steps of one phase on both sides, in alternating blocks; returns each side's time. */
function alternate(sides: Record<Kind, Side>, phase: Phase, count: number, block: number, round: number): Record<Kind, Spent> {
  const spent: Record<Kind, Spent> = { enc: { wallMs: 0, cpuMs: 0 }, plain: { wallMs: 0, cpuMs: 0 } };
  for (let from = 0, b = 0; from < count; from += block, b++) {
    const to = Math.min(count, from + block);
    for (const kind of (b + round) % 2 === 0 ? (['plain', 'enc'] as const) : (['enc', 'plain'] as const)) {
      const step = sides[kind][phase];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = from; i < to; i++) step(i);
      spent[kind].wallMs += performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      spent[kind].cpuMs += (cpu.user + cpu.system) / 1000;
    }
  }
  return spent;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const samples: Record<Kind, Record<Phase, Spent[]>> = {
  enc: { insert: [], query: [] },
  plain: { insert: [], query: [] },
};
const loadBefore = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  const dirs = { enc: mkdtempSync(join(tmpdir(), 'agr-bench-store-')), plain: mkdtempSync(join(tmpdir(), 'agr-bench-store-')) };
  const dbs: Record<Kind, Db> = {
    enc: openDatabase(join(dirs.enc, 'b.db'), randomBytes(32), { create: true }),
    plain: plainDb(join(dirs.plain, 'b.db')),
  };
  const sides = { enc: prepareSide(dbs.enc), plain: prepareSide(dbs.plain) };
  const inserts = alternate(sides, 'insert', TX, TX_BLOCK, round);
  const queries = alternate(sides, 'query', QUERIES, QUERY_BLOCK, round);
  for (const kind of ['enc', 'plain'] as const) {
    samples[kind].insert.push(inserts[kind]);
    samples[kind].query.push(queries[kind]);
    dbs[kind].close();
    rmSync(dirs[kind], { recursive: true, force: true });
  }
}
const loadAfter = loadavg()[0]!;

/** WAL frames (pages) one of the bench's transactions writes, counted on an unencrypted copy after a warm-up. */
function framesPerCommit(): number {
  const dir = mkdtempSync(join(tmpdir(), 'agr-bench-store-'));
  const db = plainDb(join(dir, 'b.db'));
  try {
    const side = prepareSide(db);
    db.pragma('wal_autocheckpoint = 0');
    for (let i = 0; i < 200; i++) side.insert(i);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const count = 500;
    for (let i = 200; i < 200 + count; i++) side.insert(i);
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }];
    return log / count;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Microseconds SQLCipher 4's page cipher takes for one 4 KiB page at OpenSSL's speed: AES-256-CBC over
 * its 4,016 bytes of data and HMAC-SHA512 over those, the IV and the page number, at the rate OpenSSL's
 * own test (`openssl speed`, 4 KiB buffers) reaches on this CPU.
 */
function cipherMicrosPerPage(): number {
  const bytesPerMicro = (...what: string[]) => {
    const out = execFileSync('openssl', ['speed', '-bytes', '4096', '-seconds', '1', ...what], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: 'pipe',
    });
    const kbPerSecond = /([\d.]+)k\s*$/.exec(out.trim())?.[1];
    if (!kbPerSecond) throw new Error(`openssl speed ${what.join(' ')} printed no rate: ${out.trim().split('\n').at(-1) ?? ''}`);
    return Number(kbPerSecond) / 1000; // thousands of bytes per second, divided by 1000: bytes per microsecond
  };
  return 4016 / bytesPerMicro('-evp', 'aes-256-cbc') + (4016 + 16 + 4) / bytesPerMicro('-hmac', 'sha512');
}

const med = (kind: Kind, phase: Phase | 'total', field: keyof Spent): number =>
  phase === 'total' ? med(kind, 'insert', field) + med(kind, 'query', field) : median(samples[kind][phase].map((s) => s[field]));
const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(8);
const ratio = (phase: Phase | 'total', field: keyof Spent) => med('enc', phase, field) / med('plain', phase, field);
console.log(
  `bench/store: ${TX} transactions (1 run + 3 audit events + 1 update each), then ${QUERIES} indexed queries; ` +
    `encrypted and plain in alternating blocks; median of ${ROUNDS} rounds; 1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}`,
);
console.log('             encrypted wall / cpu     plain wall / cpu      ratio wall / cpu');
for (const phase of ['insert', 'query', 'total'] as const) {
  const label = { insert: 'inserts', query: 'queries', total: 'total' }[phase].padEnd(8);
  console.log(
    `  ${label} ${ms(med('enc', phase, 'wallMs'))} /${ms(med('enc', phase, 'cpuMs'))}  ${ms(med('plain', phase, 'wallMs'))} /${ms(med('plain', phase, 'cpuMs'))}` +
      `      ${ratio(phase, 'wallMs').toFixed(2)} / ${ratio(phase, 'cpuMs').toFixed(2)}`,
  );
}
const extraUs = (phase: Phase, count: number) => ((med('enc', phase, 'cpuMs') - med('plain', phase, 'cpuMs')) * 1000) / count;
console.log(
  `  the key's extra CPU: ${extraUs('insert', TX).toFixed(0)} us per transaction (encrypting and authenticating the WAL pages each commit writes), ` +
    `${extraUs('query', QUERIES).toFixed(1)} us per query`,
);
try {
  const frames = framesPerCommit();
  const perPage = cipherMicrosPerPage();
  const plainMs = med('plain', 'total', 'wallMs');
  const floor = (plainMs + (TX * frames * perPage) / 1000) / plainMs;
  console.log(
    `  the format's floor here: ${frames.toFixed(1)} pages a commit x ${perPage.toFixed(1)} us a page (OpenSSL's AES-256-CBC + HMAC-SHA512) ` +
      `= ${(frames * perPage).toFixed(0)} us per transaction on top of the plain side: total wall ratio ${floor.toFixed(2)} at best`,
  );
} catch (error) {
  console.log(`  the format's floor here: not measured (${(error as Error).message.split('\n')[0]}; it needs the openssl command)`);
}
const total = ratio('total', 'wallMs');
console.log(`  total wall ratio ${total.toFixed(2)} (target <= ${TARGET.toFixed(2)}: ${total <= TARGET ? 'met' : 'NOT met'})`);
