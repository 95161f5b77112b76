import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Store } from '../../../src/store/store';
import { layoutOf } from '../../../src/store/files';
import { migrate } from '../../../src/store/migrations';
import { openDatabase } from '../../../src/store/database';
import { FAST_SCRYPT, tempDir, rejects } from '../../helpers/core';

const opts = { scryptCost: FAST_SCRYPT };
const PW = 'first password 1';

async function fresh() {
  const home = join(tempDir(), 'home');
  const created = await Store.create(home, { slotName: 'admin', password: PW }, opts);
  return { home, ...created };
}

function snapshot(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(home)) out[name] = readFileSync(join(home, name)).toString('base64');
  return out;
}

test('create makes a private home; files 0600, folder 0700; no plaintext SQLite header', async () => {
  const { home, store } = await fresh();
  store.close();
  assert.equal(statSync(home).mode & 0o777, 0o700);
  for (const name of readdirSync(home)) {
    assert.equal(statSync(join(home, name)).mode & 0o777, 0o600, name);
    assert.ok(!readFileSync(join(home, name)).includes(Buffer.from('SQLite format 3')), `${name} has a plaintext SQLite header`);
  }
});

test('create refuses a folder that is not empty', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'something'), 'x');
  await rejects(Store.create(dir, { slotName: 'admin', password: PW }, opts), 'CONFLICT');
});

test('a wrong password and an unknown name give the same UNAUTHENTICATED and change nothing', async () => {
  const { home, store } = await fresh();
  store.close();
  const before = snapshot(home);
  const m1 = await rejects(Store.unlock(home, 'admin', 'wrong password 1', opts), 'UNAUTHENTICATED');
  const m2 = await rejects(Store.unlock(home, 'nobody', PW, opts), 'UNAUTHENTICATED');
  assert.equal(m1, m2);
  assert.deepEqual(snapshot(home), before);
  const ok = await Store.unlock(home, 'ADMIN', PW, opts); // names are case-insensitive
  ok.store.close();
});

test('a keyslot file swapped for an older copy is detected, and nothing changes', async () => {
  const { home, store, keyring, slotId } = await fresh();
  const layout = layoutOf(home);
  copyFileSync(layout.keyslots, join(home, '..', 'old-keyslots.json'));
  await store.putSlot(slotId, 'second password 2', keyring, ['data', 'vault', 'audit']);
  store.close();
  copyFileSync(join(home, '..', 'old-keyslots.json'), layout.keyslots);
  const before = snapshot(home);
  const message = await rejects(Store.unlock(home, 'admin', PW, opts), 'VERIFY_FAILED');
  assert.match(message, /older copy/);
  assert.deepEqual(snapshot(home), before);
});

test('an altered keyslot file is refused with a clear error', async () => {
  const { home, store } = await fresh();
  store.close();
  const layout = layoutOf(home);
  const file = JSON.parse(readFileSync(layout.keyslots, 'utf8'));
  file.generation += 5;
  writeFileSync(layout.keyslots, JSON.stringify(file));
  await rejects(Store.unlock(home, 'admin', PW, opts), 'VERIFY_FAILED');
  writeFileSync(layout.keyslots, '{"not":"a keyslot file"}');
  const message = await rejects(Store.unlock(home, 'admin', PW, opts), 'VERIFY_FAILED');
  assert.match(message, /damaged or not a keyslot file/);
});

test('a damaged database is refused with a clear error and left as it was', async () => {
  const { home, store } = await fresh();
  store.db.exec(
    `CREATE TABLE filler (x TEXT); INSERT INTO filler SELECT hex(randomblob(400)) FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 300) SELECT i FROM c);`,
  );
  store.close();
  const layout = layoutOf(home);
  const bytes = readFileSync(layout.database);
  bytes[bytes.length - 3000] = bytes[bytes.length - 3000]! ^ 0xff;
  writeFileSync(layout.database, bytes);
  const before = snapshot(home);
  const message = await rejects(Store.unlock(home, 'admin', PW, opts), 'INTERNAL');
  assert.match(message, /damaged|does not open/);
  assert.deepEqual(snapshot(home), before);
});

test('a database from a newer version is refused and not changed', async () => {
  const { home, store, keyring } = await fresh();
  store.db.pragma('user_version = 99');
  store.close();
  const before = snapshot(home);
  const message = await rejects(Store.unlock(home, 'admin', PW, opts), 'CONFLICT');
  assert.match(message, /newer version/);
  assert.deepEqual(snapshot(home), before);
  keyring.data.fill(0);
});

test('migrations apply in one transaction: a failing one leaves the version and schema as they were', () => {
  const dir = tempDir();
  const key = Buffer.alloc(32, 7);
  const db = openDatabase(join(dir, 'm.db'), key, { create: true });
  const good = { version: 1, name: 'one', up: (d: typeof db) => d.exec('CREATE TABLE one (x)') };
  const bad = {
    version: 2,
    name: 'two',
    up: (d: typeof db) => {
      d.exec('CREATE TABLE two (x)');
      throw new Error('boom');
    },
  };
  assert.deepEqual(migrate(db, [good]), { from: 0, to: 1 });
  assert.throws(() => migrate(db, [good, bad]), /boom/);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.equal((db.prepare("SELECT count(*) n FROM sqlite_master WHERE name = 'two'").get() as { n: number }).n, 0);
  db.close();
});

test('the recovery key opens the store; a typo or another key does not', async () => {
  const { home, store, recoveryKey } = await fresh();
  store.close();
  const opened = await Store.unlockWithRecovery(home, recoveryKey, opts);
  assert.ok(opened.keyring.vault && opened.keyring.audit);
  opened.store.close();
  await rejects(
    Store.unlockWithRecovery(
      home,
      recoveryKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      opts,
    ),
    'UNAUTHENTICATED',
  );
});

test('rotation: a removed slot and an old keyslot copy open nothing; remaining slots and recovery get the new keys', async () => {
  const { home, store, keyring, slotId, recoveryKey } = await fresh();
  const other = store.slotIdFor('bob');
  await store.putSlot(other, 'bob password 12', keyring, ['data', 'vault']);
  const layout = layoutOf(home);
  copyFileSync(layout.keyslots, join(home, '..', 'before-rotation.json'));
  const next = store.rotate(keyring, new Map([[slotId, ['data', 'vault', 'audit']]]));
  assert.ok(!next.data.equals(keyring.data));
  store.close();

  await rejects(Store.unlock(home, 'bob', 'bob password 12', opts), 'UNAUTHENTICATED');
  const admin = await Store.unlock(home, 'admin', PW, opts);
  assert.deepEqual(admin.keyring.data, next.data);
  admin.store.close();
  const rec = await Store.unlockWithRecovery(home, recoveryKey, opts);
  assert.deepEqual(rec.keyring.vault, next.vault);
  rec.store.close();

  // Bob keeps the old file: his password unwraps the old data key, which opens nothing now.
  copyFileSync(join(home, '..', 'before-rotation.json'), layout.keyslots);
  const message = await rejects(Store.unlock(home, 'bob', 'bob password 12', opts), 'VERIFY_FAILED');
  assert.match(message, /does not open with the key/);
  // A raw open with the old key fails too.
  const raw = new Database(layout.database);
  raw.pragma(`cipher = 'sqlcipher'`);
  raw.pragma('legacy = 4');
  raw.pragma(`key = "x'${keyring.data.toString('hex')}'"`);
  assert.throws(() => raw.prepare('SELECT count(*) FROM sqlite_master').get());
  raw.close();
});

test('an interrupted rotation (new file written, database not yet committed) is discarded at unlock', async () => {
  const { home, store } = await fresh();
  store.close();
  const layout = layoutOf(home);
  copyFileSync(layout.keyslots, layout.keyslotsNext);
  const file = JSON.parse(readFileSync(layout.keyslotsNext, 'utf8'));
  file.generation = 2; // MAC no longer matches: not a usable next file
  writeFileSync(layout.keyslotsNext, JSON.stringify(file));
  const opened = await Store.unlock(home, 'admin', PW, opts);
  opened.store.close();
  assert.equal(existsSync(layout.keyslotsNext), false);
});
