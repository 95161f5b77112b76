/** Vault items: sealed under the vault key, bound to bundles, re-sealed on rotation; secret folders on tmpfs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { randomKey } from '../../../src/store/crypto';
import { migration } from '../../../src/store/migrations/0003-runs';
import { VaultItems } from '../../../src/vault/items';
import { fsTypeOf, listSecretFolders, removeRunSecrets, secretRoot, sweepSecretFolders, writeRunSecrets } from '../../../src/vault/mount';
import { tempDir } from '../../helpers/core';

function db() {
  const d = new Database(':memory:');
  d.pragma('foreign_keys = ON');
  migration.up(d);
  return d;
}

test('items are sealed (the value is nowhere in the row), bound to bundles, opened only when bound', () => {
  const d = db();
  const key = randomKey();
  const items = new VaultItems(d);
  const value = Buffer.from('kubeconfig-canary-0123456789');
  items.put(key, 'kube', value, 'op1', 'now', false);
  const row = JSON.stringify(d.prepare('SELECT * FROM vault_items').all());
  assert.ok(!row.includes('kubeconfig-canary'));
  assert.ok(!row.includes(value.toString('base64')));
  assert.throws(() => items.put(key, 'kube', value, 'op1', 'now', false), { code: 'CONFLICT' });
  assert.throws(() => items.openForRun(key, 'svc', { token: 'kube' }), { code: 'POLICY_DENIED' });
  items.bind('kube', ['svc', 'other'], 'op1', 'now');
  assert.deepEqual(items.openForRun(key, 'svc', { token: 'kube' }).get('token'), value);
  assert.throws(() => items.openForRun(randomKey(), 'svc', { token: 'kube' }), { code: 'VERIFY_FAILED' });
  assert.throws(() => items.openForRun(key, 'svc', { token: 'missing' }), { code: 'INVALID_INPUT' });
  assert.deepEqual(
    items.list().map((i) => [i.name, i.size, i.bundles]),
    [['kube', value.length, ['other', 'svc']]],
  );
  items.unbind('kube', ['other']);
  items.remove('kube');
  assert.deepEqual(d.prepare('SELECT * FROM vault_bindings').all(), []);
});

test('a row moved under another name does not open (the name is bound into the ciphertext)', () => {
  const d = db();
  const key = randomKey();
  const items = new VaultItems(d);
  items.put(key, 'a-item', Buffer.from('value-of-a'), 'op', 'now', false);
  items.put(key, 'b-item', Buffer.from('value-of-b'), 'op', 'now', false);
  items.bind('b-item', ['svc'], 'op', 'now');
  const sealedA = (d.prepare("SELECT sealed FROM vault_items WHERE name = 'a-item'").get() as { sealed: string }).sealed;
  d.prepare("UPDATE vault_items SET sealed = ? WHERE name = 'b-item'").run(sealedA);
  assert.throws(() => items.openForRun(key, 'svc', { s: 'b-item' }), { code: 'VERIFY_FAILED' });
});

test('reseal moves every item to the new key', () => {
  const d = db();
  const oldKey = randomKey();
  const newKey = randomKey();
  const items = new VaultItems(d);
  items.put(oldKey, 'x', Buffer.from('secret-x-value'), 'op', 'now', false);
  items.bind('x', ['svc'], 'op', 'now');
  assert.equal(items.reseal(oldKey, newKey), 1);
  assert.equal(items.openForRun(newKey, 'svc', { s: 'x' }).get('s')?.toString(), 'secret-x-value');
  assert.throws(() => items.openForRun(oldKey, 'svc', { s: 'x' }), { code: 'VERIFY_FAILED' });
});

test(
  'secret folders: on tmpfs, parent 0700, folder 0555, files 0444; removed and swept',
  { skip: fsTypeOf('/dev/shm') !== 'tmpfs' ? 'no tmpfs at /dev/shm' : false },
  (t) => {
    const ws = `test-${process.pid}-${Date.now()}`;
    const root = secretRoot({ workstationId: ws, home: tempDir(), allowDisk: false, env: {} });
    t.after(() => rmSync(root.dir, { recursive: true, force: true }));
    assert.equal(root.tmpfs, true);
    assert.equal(statSync(root.dir).mode & 0o777, 0o700);
    const dir = writeRunSecrets(root, 'r-aaaaaaaaaa', new Map([['token', Buffer.from('t0ken-value')]]));
    assert.equal(statSync(dir).mode & 0o777, 0o555);
    assert.equal(statSync(join(dir, 'token')).mode & 0o777, 0o444);
    assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 't0ken-value');
    removeRunSecrets(root, 'r-aaaaaaaaaa');
    assert.deepEqual(listSecretFolders(root), []);
    writeRunSecrets(root, 'r-bbbbbbbbbb', new Map([['a', Buffer.from('1')]]));
    writeRunSecrets(root, 'r-cccccccccc', new Map([['b', Buffer.from('2')]]));
    assert.equal(sweepSecretFolders(root), 2);
    assert.deepEqual(readdirSync(root.dir), []);
  },
);

test(
  'without tmpfs: refused unless an admin allowed disk; a planted link or foreign folder is refused',
  { skip: fsTypeOf('/dev/shm') !== 'tmpfs' ? 'no tmpfs at /dev/shm' : false },
  () => {
    const home = tempDir();
    const notTmpfs = tempDir();
    assert.throws(
      () => secretRoot({ workstationId: 'w', home, allowDisk: false, candidates: [notTmpfs] }),
      (e: { code?: string; message?: string }) => e.code === 'POLICY_DENIED' && /runner\.allowSecretsOnDisk/.test(e.message!),
    );
    const disk = secretRoot({ workstationId: 'w', home, allowDisk: true, candidates: [notTmpfs] });
    assert.deepEqual(disk, { dir: join(home, 'secrets'), tmpfs: false });
    const shm = mkdtempSync('/dev/shm/agr-test-');
    try {
      mkdirSync(join(shm, 'elsewhere'));
      symlinkSync(join(shm, 'elsewhere'), join(shm, `airgap-runner-${process.getuid!()}`));
      assert.throws(() => secretRoot({ workstationId: 'w', home, allowDisk: false, candidates: [shm] }), { code: 'POLICY_DENIED' });
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  },
);
