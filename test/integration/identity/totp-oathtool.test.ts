/**
 * Issue 14's must-show for offline TOTP, with codes from the real `oathtool --totp -b SECRET`
 * (Debian's oathtool, an implementation independent of ours): accepted; a reused code and a code
 * outside the window refused; a recovery code works once; bad codes throttled. First through the
 * dispatcher on a store with a fixed clock (oathtool --now at the same instant), then through the
 * real CLI on the wall clock: enrol, confirm, sign in with the code from the environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dispatch } from '../../../src/api/dispatcher';
import { addUser, initialisedCore, rejects, tempDir } from '../../helpers/core';
import { cli, errorLine } from '../../helpers/cli';
import { enrolTotp, hasOathtool, oathtool } from '../../helpers/totp';

const STEP = 30_000;
const skip = hasOathtool() ? false : 'oathtool is not installed (apt-get install oathtool; scripts/setup-debian.sh installs it)';

test('codes from oathtool: accepted once, refused when reused or outside the window; recovery once; throttled', { skip }, async () => {
  const env = await initialisedCore({ start: '2026-12-04T17:00:10Z' });
  const { password } = await addUser(env.core, env.admin, 'olga', ['operator']);
  const first = await dispatch(env.core, null, 'auth.signIn', { name: 'olga', password });
  const at = (offsetMs = 0) => new Date(env.clock.now().getTime() + offsetMs);
  const { secret, recoveryCodes } = await enrolTotp(env.core, first.sessionId, (s) => oathtool(s, at()));
  assert.match(secret, /^[A-Z2-7]{32}$/, 'a 160-bit secret in base32, as oathtool -b takes it');

  const signIn = (totpCode: string) => dispatch(env.core, null, 'auth.signIn', { name: 'olga', password, totpCode });
  env.clock.advance(STEP);
  const code = oathtool(secret, at());
  assert.match(code, /^\d{6}$/);
  assert.equal((await signIn(code)).user.name, 'olga', 'the code oathtool prints now is accepted');
  await rejects(signIn(code), 'UNAUTHENTICATED'); // reused
  env.clock.advance(STEP);
  await rejects(signIn(oathtool(secret, at(-3 * STEP))), 'UNAUTHENTICATED'); // 90 s old: outside the window
  await rejects(signIn(oathtool(secret, at(+3 * STEP))), 'UNAUTHENTICATED'); // 90 s ahead
  env.clock.advance(2_000); // three failures in a row: the next attempt waits a second
  assert.equal((await signIn(oathtool(secret, at(+STEP)))).user.name, 'olga', 'one step of drift (a phone running ahead) is allowed');

  // A recovery code works once.
  await signIn(recoveryCodes[0]!);
  await rejects(signIn(recoveryCodes[0]!), 'UNAUTHENTICATED');

  // Throttling: three failures cost nothing extra (the reused recovery code was the first), the
  // fourth attempt, even with the right code, waits.
  env.clock.advance(60_000);
  for (let i = 0; i < 2; i++) assert.doesNotMatch(await rejects(signIn('123456'), 'UNAUTHENTICATED'), /Too many/);
  assert.match(await rejects(signIn(oathtool(secret, at())), 'UNAUTHENTICATED'), /Too many failed sign-ins/);

  const reasons = (
    env.core.store.db
      .prepare(
        "SELECT details FROM audit_events WHERE action = 'auth.signIn' AND outcome = 'failure' AND target = 'user:olga' ORDER BY seq",
      )
      .all() as Array<{ details: string }>
  ).map((r) => (JSON.parse(r.details) as { reason: string }).reason);
  assert.deepEqual(reasons, ['totp-reused', 'totp-bad-code', 'totp-bad-code', 'totp-bad-code', 'totp-bad-code', 'totp-bad-code']);
  await env.cleanup();
});

test('the CLI: enrol prints the secret once, confirm takes a code from the environment, sign-in asks for the code', { skip }, () => {
  const home = join(tempDir(), 'home');
  const admin = { AIRGAP_RUNNER_PASSWORD: 'admin-password-123' };
  assert.equal(cli(['--home', home, 'init', '--admin', 'root'], admin).code, 0);

  const begun = cli(['--home', home, '--user', 'root', 'auth', 'totp', 'enrol'], admin);
  assert.equal(begun.code, 0, begun.stderr);
  const secret = /secret: ([A-Z2-7]+)/.exec(begun.stdout)?.[1];
  assert.ok(secret, begun.stdout);
  assert.match(begun.stdout, new RegExp(`otpauth://totp/Airgap%20Runner:root\\?issuer=Airgap%20Runner&secret=${secret}&`));
  assert.match(begun.stdout, /auth totp confirm/);

  const confirmed = cli(['--home', home, '--user', 'root', 'auth', 'totp', 'confirm'], {
    ...admin,
    AIRGAP_RUNNER_TOTP_NEW_CODE: oathtool(secret),
  });
  assert.equal(confirmed.code, 0, confirmed.stderr);
  const codes = confirmed.stdout.match(/^ {2}[a-z2-9]{5}-[a-z2-9]{5}$/gm) ?? [];
  assert.equal(codes.length, 10);

  // No code and no terminal: a clear refusal that names the variable.
  const noCode = errorLine(cli(['--home', home, '--user', 'root', 'whoami'], admin));
  assert.equal(noCode?.code, 'UNAUTHENTICATED');
  assert.match(noCode.message, /Set AIRGAP_RUNNER_TOTP_CODE in the environment/);

  // Never in argv: --totp-code is refused like --password, naming the environment instead.
  const argv = errorLine(cli(['--home', home, '--user', 'root', 'whoami', '--totp-code', '123456'], admin));
  assert.equal(argv?.code, 'INVALID_INPUT');
  assert.match(argv.message, /environment variable or the prompt instead of --totp-code/);

  // The next step's code (inside the window) signs in once; the same code again is refused.
  const next = oathtool(secret, new Date(Date.now() + STEP));
  const ok = cli(['--home', home, '--user', 'root', 'whoami', '--json'], { ...admin, AIRGAP_RUNNER_TOTP_CODE: next });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { user: { name: string } }).user.name, 'root');
  const again = errorLine(cli(['--home', home, '--user', 'root', 'whoami'], { ...admin, AIRGAP_RUNNER_TOTP_CODE: next }));
  assert.equal(again?.code, 'UNAUTHENTICATED');
  assert.match(again.message, /not accepted/);

  // A recovery code signs the admin in to require TOTP for operators.
  const req = cli(['--home', home, '--user', 'root', 'auth', 'totp', 'require', 'operator'], {
    ...admin,
    AIRGAP_RUNNER_TOTP_CODE: codes[0].trim(),
  });
  assert.equal(req.code, 0, req.stderr);
  assert.match(req.stdout, /TOTP required for: operator/);
});
