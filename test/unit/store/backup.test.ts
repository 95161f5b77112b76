import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PASSWORD, as, initialisedCore, newCore, rejects, tempDir } from '../../helpers/core';

test('a backup restores on a fresh home with a password, and with the recovery key', async () => {
  const env = await initialisedCore();
  const admin = as(env.core, env.admin);
  await admin('settings.set', { key: 'site.name', value: 'Hall B' });
  const out = join(tempDir(), 'store.backup');
  const written = await admin('store.backup', { outPath: out });
  assert.equal(written.path, out);
  assert.ok(written.bytes > 1000);
  assert.ok(!readFileSync(out).includes(Buffer.from('Hall B')));
  await env.cleanup();

  for (const creds of [{ name: 'admin', password: ADMIN_PASSWORD }, { recoveryKey: env.recoveryKey }]) {
    const home = join(tempDir(), 'restored');
    const { core } = newCore(home);
    const restored = await as(core, null)('store.restore', { file: out, ...creds });
    assert.equal(restored.users, 1);
    await core.close();
    const { core: again } = newCore(home);
    const session = (await as(again, null)('auth.signIn', { name: 'admin', password: ADMIN_PASSWORD })).sessionId;
    const settings = await as(again, session)('settings.get');
    assert.equal(settings.settings['site.name'], 'Hall B');
    const check = await as(again, session)('store.check');
    assert.ok(check.ok, JSON.stringify(check));
    const events = await as(again, session)('audit.list', { action: 'store.restore' });
    assert.equal(events.events.length, 1);
    await again.close();
  }
});

test('a damaged or truncated backup is refused and the home stays empty', async () => {
  const env = await initialisedCore();
  const out = join(tempDir(), 'store.backup');
  await as(env.core, env.admin)('store.backup', { outPath: out });
  await env.cleanup();
  const bytes = readFileSync(out);
  const cases: Array<[string, Buffer]> = [
    ['flipped byte in the database part', Buffer.from(bytes.map((b, i) => (i === bytes.length - 100 ? b ^ 1 : b)))],
    ['truncated', bytes.subarray(0, bytes.length - 500)],
    ['not a backup', Buffer.from('hello world, not a backup at all')],
  ];
  for (const [what, content] of cases) {
    const file = join(tempDir(), 'bad.backup');
    writeFileSync(file, content);
    const home = join(tempDir(), 'restored');
    const { core } = newCore(home);
    await assert.rejects(
      as(core, null)('store.restore', { file, name: 'admin', password: ADMIN_PASSWORD }),
      (e: { code: string; message: string }) => {
        assert.equal(e.code, 'VERIFY_FAILED', `${what}: ${e.message}`);
        assert.match(e.message, /damaged|not an Airgap Runner backup/);
        return true;
      },
    );
    assert.ok(!existsSync(home) || readdirSync(home).length === 0, `${what}: home not empty`);
    await core.close();
  }
});

test('restore refuses a home that is not empty, a wrong password, and writes nothing', async () => {
  const env = await initialisedCore();
  const out = join(tempDir(), 'store.backup');
  await as(env.core, env.admin)('store.backup', { outPath: out });
  const { core } = newCore(env.home);
  await rejects(as(core, null)('store.restore', { file: out, name: 'admin', password: ADMIN_PASSWORD }), 'CONFLICT');
  await env.cleanup();
  const home = join(tempDir(), 'restored');
  const { core: c2 } = newCore(home);
  await rejects(as(c2, null)('store.restore', { file: out, name: 'admin', password: 'wrong password 12' }), 'UNAUTHENTICATED');
  assert.ok(!existsSync(home) || readdirSync(home).length === 0);
});

test('backup refuses to overwrite a file and needs an existing folder', async () => {
  const env = await initialisedCore();
  const dir = tempDir();
  writeFileSync(join(dir, 'exists'), 'keep me');
  await rejects(as(env.core, env.admin)('store.backup', { outPath: join(dir, 'exists') }), 'CONFLICT');
  assert.equal(readFileSync(join(dir, 'exists'), 'utf8'), 'keep me');
  await rejects(as(env.core, env.admin)('store.backup', { outPath: join(dir, 'missing', 'x.backup') }), 'INVALID_INPUT');
  await env.cleanup();
});
