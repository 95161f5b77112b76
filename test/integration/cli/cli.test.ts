/** The CLI as a new user drives it: separate processes, secrets only from the environment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cli, errorLine } from '../../helpers/cli';
import { tempDir } from '../../helpers/core';

const ADMIN_PW = 'admin-cli-password-1';

function initHome() {
  const home = join(tempDir('agr-cli-'), 'home');
  const r = cli(['--home', home, 'init', '--admin', 'root'], { AIRGAP_RUNNER_PASSWORD: ADMIN_PW });
  assert.equal(r.code, 0, r.stderr);
  const key = /([A-Z2-9]{5}(?:-[A-Z2-9]{5}){10})/.exec(r.stdout)?.[1];
  assert.ok(key, 'init prints the recovery key');
  return { home, recoveryKey: key };
}

test('init, then whoami works with the right password and fails with UNAUTHENTICATED otherwise', () => {
  const { home } = initHome();
  const ok = cli(['--home', home, '--user', 'root', 'whoami', '--json'], { AIRGAP_RUNNER_PASSWORD: ADMIN_PW });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).user.name, 'root');
  const bad = cli(['--home', home, '--user', 'root', 'whoami'], { AIRGAP_RUNNER_PASSWORD: 'wrong-password-99' });
  assert.notEqual(bad.code, 0);
  assert.equal(errorLine(bad)?.code, 'UNAUTHENTICATED');
  assert.equal(bad.stdout, '');
  // Home from the environment, user from the environment.
  const env = cli(['whoami'], { AIRGAP_RUNNER_HOME: home, AIRGAP_RUNNER_USER: 'root', AIRGAP_RUNNER_PASSWORD: ADMIN_PW });
  assert.equal(env.code, 0, env.stderr);
  // A second init on the same home is refused.
  const again = cli(['--home', home, 'init', '--admin', 'other'], { AIRGAP_RUNNER_PASSWORD: ADMIN_PW });
  assert.equal(errorLine(again)?.code, 'CONFLICT');
});

test('viewer1: whoami works, user add is FORBIDDEN, a wrong password lands in the audit list as unauthenticated', () => {
  const { home } = initHome();
  const admin = { AIRGAP_RUNNER_PASSWORD: ADMIN_PW };
  const add = cli(['--home', home, '--user', 'root', 'user', 'add', 'viewer1', '--role', 'viewer'], {
    ...admin,
    AIRGAP_RUNNER_NEW_PASSWORD: 'viewer-first-pass-1',
  });
  assert.equal(add.code, 0, add.stderr);
  const viewer = { AIRGAP_RUNNER_PASSWORD: 'viewer-first-pass-1' };
  const who = cli(['--home', home, '--user', 'viewer1', 'whoami', '--json'], viewer);
  assert.equal(who.code, 0, who.stderr);
  assert.deepEqual(JSON.parse(who.stdout).user.roles, ['viewer']);
  const passwd = cli(['--home', home, '--user', 'viewer1', 'user', 'passwd'], {
    ...viewer,
    AIRGAP_RUNNER_NEW_PASSWORD: 'viewer-own-pass-12',
  });
  assert.equal(passwd.code, 0, passwd.stderr);
  const forbidden = cli(['--home', home, '--user', 'viewer1', 'user', 'add', 'eve', '--role', 'admin'], {
    AIRGAP_RUNNER_PASSWORD: 'viewer-own-pass-12',
    AIRGAP_RUNNER_NEW_PASSWORD: 'eve-password-1234',
  });
  assert.equal(errorLine(forbidden)?.code, 'FORBIDDEN', forbidden.stderr);
  const wrong = cli(['--home', home, '--user', 'viewer1', 'whoami'], { AIRGAP_RUNNER_PASSWORD: 'not-viewer-pass-1' });
  assert.equal(errorLine(wrong)?.code, 'UNAUTHENTICATED');
  const list = cli(['--home', home, '--user', 'root', 'audit', 'list', '--action', 'auth.signIn', '--json'], admin);
  assert.equal(list.code, 0, list.stderr);
  const events = JSON.parse(list.stdout).events as Array<{ actor: string; target: string; outcome: string }>;
  assert.ok(events.some((e) => e.actor === 'unauthenticated' && e.target === 'user:viewer1' && e.outcome === 'failure'));
  const forbiddenEvent = JSON.parse(
    cli(['--home', home, '--user', 'root', 'audit', 'list', '--action', 'users.add', '--json'], admin).stdout,
  ).events;
  assert.ok(forbiddenEvent.some((e: { actor: string; outcome: string }) => e.actor === 'user:viewer1' && e.outcome === 'denied'));
  const head = cli(['--home', home, '--user', 'root', 'audit', 'head', '--json'], admin);
  assert.match(JSON.parse(head.stdout).hash, /^[0-9a-f]{64}$/);
  const check = cli(['--home', home, '--user', 'root', 'audit', 'check'], admin);
  assert.equal(check.code, 0, check.stderr);
  const users = cli(['--home', home, '--user', 'root', 'user', 'list', '--json'], admin);
  assert.deepEqual(
    JSON.parse(users.stdout)
      .users.map((u: { name: string }) => u.name)
      .sort(),
    ['root', 'viewer1'],
  );
});

test('secrets are never taken from arguments; bad usage exits non-zero with one error line', () => {
  const { home } = initHome();
  const r1 = cli(['--home', home, '--user', 'root', '--password', ADMIN_PW, 'whoami']);
  assert.equal(errorLine(r1)?.code, 'INVALID_INPUT');
  assert.match(r1.stderr, /never taken from arguments/);
  const r2 = cli(['--home', home, 'frobnicate']);
  assert.equal(r2.code, 2);
  assert.equal(errorLine(r2)?.code, 'INVALID_INPUT');
  const r3 = cli(['--home', home, 'whoami']);
  assert.equal(errorLine(r3)?.code, 'UNAUTHENTICATED');
  assert.match(r3.stderr, /--user/);
  const r4 = cli(['--home', join(tempDir(), 'nothing'), '--user', 'root', 'whoami'], { AIRGAP_RUNNER_PASSWORD: ADMIN_PW });
  assert.equal(errorLine(r4)?.code, 'NOT_FOUND');
  assert.match(r4.stderr, /init/);
  const r5 = cli(['--home', home, '--user', 'root', 'whoami']); // no password, no terminal
  assert.equal(errorLine(r5)?.code, 'UNAUTHENTICATED');
  assert.match(r5.stderr, /AIRGAP_RUNNER_/);
  const help = cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: airgap-runner/);
});

test('store check, backup, restore on a fresh home, recover with the recovery key; a damaged backup is refused', () => {
  const { home, recoveryKey } = initHome();
  const admin = { AIRGAP_RUNNER_PASSWORD: ADMIN_PW };
  const check = cli(['--home', home, '--user', 'root', 'store', 'check', '--json'], admin);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(JSON.parse(check.stdout).ok, true);
  const out = join(tempDir(), 'site.backup');
  const backup = cli(['--home', home, '--user', 'root', 'backup', '--out', out], admin);
  assert.equal(backup.code, 0, backup.stderr);
  assert.ok(existsSync(out));

  const fresh = join(tempDir(), 'restored');
  const restore = cli(['--home', fresh, '--user', 'root', 'restore', out], admin);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(cli(['--home', fresh, '--user', 'root', 'whoami'], admin).code, 0);

  const fresh2 = join(tempDir(), 'restored2');
  const byKey = cli(['--home', fresh2, 'restore', out, '--recovery'], { AIRGAP_RUNNER_RECOVERY_KEY: recoveryKey });
  assert.equal(byKey.code, 0, byKey.stderr);

  const recover = cli(['--home', home, 'recover', '--admin', 'root'], {
    AIRGAP_RUNNER_RECOVERY_KEY: recoveryKey,
    AIRGAP_RUNNER_NEW_PASSWORD: 'brand-new-admin-pw1',
  });
  assert.equal(recover.code, 0, recover.stderr);
  assert.equal(cli(['--home', home, '--user', 'root', 'whoami'], { AIRGAP_RUNNER_PASSWORD: 'brand-new-admin-pw1' }).code, 0);
  assert.equal(errorLine(cli(['--home', home, '--user', 'root', 'whoami'], admin))?.code, 'UNAUTHENTICATED');
  const badKey = cli(['--home', home, 'recover', '--admin', 'root'], {
    AIRGAP_RUNNER_RECOVERY_KEY: 'AAAAA-BBBBB',
    AIRGAP_RUNNER_NEW_PASSWORD: 'whatever-password-1',
  });
  assert.equal(errorLine(badKey)?.code, 'UNAUTHENTICATED');

  const damaged = join(tempDir(), 'damaged.backup');
  const bytes = readFileSync(out);
  bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0x55;
  writeFileSync(damaged, bytes);
  const fresh3 = join(tempDir(), 'restored3');
  const refused = cli(['--home', fresh3, '--user', 'root', 'restore', damaged], admin);
  assert.equal(errorLine(refused)?.code, 'VERIFY_FAILED');
  assert.ok(!existsSync(fresh3) || readdirSync(fresh3).length === 0);
});

test('a reader that closes the pipe early (runs list | head) ends the command quietly: no EPIPE stack trace', async () => {
  const { home } = initHome();
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('AIRGAP_RUNNER_')) delete clean[k];
  for (const args of [
    ['runs', 'list'],
    ['audit', 'list', '--json'],
  ]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--home', home, '--user', 'root', ...args], {
      cwd: root,
      env: { ...clean, AIRGAP_RUNNER_PASSWORD: ADMIN_PW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the command prints anything (sign-in takes a while): every write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(stderr, '', `${args.join(' ')}: nothing on stderr`);
    assert.equal(code, 0, `${args.join(' ')}: exits 0`);
  }
});
