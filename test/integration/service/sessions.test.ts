/**
 * The service's sessions and its socket's gate, without a container engine:
 *  - a saved CLI session expires after the idle time (the service's clock moved by the test: the
 *    service runs in this process, the CLI in its own);
 *  - a peer that is not the service's user is refused: the service runs as uid 65534 (`nobody`),
 *    this test connects as root, which file modes do not stop; `nobody`'s own CLI is served.
 *    Needs root to make the second uid; says so and skips without it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../../../src/api/core';
import { dispatch } from '../../../src/api/dispatcher';
import { fixedClock, servicePaths, WireClient } from '../../../src/kernel';
import { Service } from '../../../src/service';
import { ADMIN_PASSWORD, FAST_SCRYPT, tempDir } from '../../helpers/core';
import { cliRun, errorOf, startService, type Proc } from './helpers';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const admin = { AIRGAP_RUNNER_USER: 'admin', AIRGAP_RUNNER_PASSWORD: ADMIN_PASSWORD };

describe('service sessions', () => {
  test('a saved session ends after the idle time; activity keeps it alive', async () => {
    const home = join(tempDir('svc-idle-'), 'home');
    const clock = fixedClock(new Date());
    const init = new Core({ home, clock, scryptCost: FAST_SCRYPT });
    await dispatch(init, null, 'system.init', { adminName: 'admin', password: ADMIN_PASSWORD });
    await init.close();
    const core = new Core({ home, clock, scryptCost: FAST_SCRYPT });
    const service = await Service.start({ core });
    cleanups.push(async () => {
      await service.stop();
      rmSync(join(home, '..'), { recursive: true, force: true });
    });

    assert.equal(core.scheduler.running, false, 'no schedule fires while the service is sealed');
    assert.equal((await cliRun(home, ['service', 'unseal'], admin)).code, 0);
    assert.equal(core.scheduler.running, true, 'schedules fire once the service is unsealed');
    const login = await cliRun(home, ['login'], admin);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(statSync(servicePaths(home).token).mode & 0o777, 0o600);

    clock.advance(14 * 60_000);
    assert.equal((await cliRun(home, ['whoami'])).code, 0, 'used within the idle time (15 minutes by default)');
    clock.advance(14 * 60_000);
    assert.equal((await cliRun(home, ['whoami'])).code, 0, 'each use restarts the idle time');
    clock.advance(16 * 60_000);
    const idle = await cliRun(home, ['whoami']);
    assert.equal(errorOf(idle)?.code, 'UNAUTHENTICATED', idle.stderr);
    assert.match(errorOf(idle)!.message, /saved session has ended/);
    assert.equal(existsSync(servicePaths(home).token), false, 'the expired token is removed');

    // The unseal session is the service's own: never idle-expired, so the service stays unsealed.
    assert.equal(service.status().state, 'unsealed');
    assert.equal((await cliRun(home, ['whoami'], admin)).code, 0, 'a fresh sign-in works');
  });

  const root = process.geteuid?.() === 0;
  test(
    'a peer that is not the service’s user is refused; the service’s user is served',
    { skip: root ? false : 'SKIP: needs root to run the service as a second uid (65534)' },
    async () => {
      const NOBODY = 65534;
      const base = tempDir('svc-peer-');
      const home = join(base, 'home');
      mkdirSync(home, { mode: 0o700 });
      chownSync(base, NOBODY, NOBODY);
      chownSync(home, NOBODY, NOBODY);
      const asNobody = { uid: NOBODY, gid: NOBODY };
      const env = { ...admin, HOME: base, DOCKER_HOST: undefined };
      const init = await cliRun(home, ['init', '--admin', 'admin'], env, asNobody);
      assert.equal(init.code, 0, init.stderr);

      const svc: Proc = await startService(home, env, asNobody);
      cleanups.push(async () => {
        svc.child.kill('SIGTERM');
        await svc.done;
        rmSync(base, { recursive: true, force: true });
      });
      const sock = statSync(servicePaths(home).socket);
      assert.equal(sock.uid, NOBODY);
      assert.equal(sock.mode & 0o777, 0o600);

      // Root passes file modes, so only the peer check stands in the way.
      const refused = await WireClient.connect(servicePaths(home).socket).then(
        (c) => (c.close(), null),
        (error: { shape?: { code: string } }) => error,
      );
      assert.equal(refused?.shape?.code, 'FORBIDDEN', 'root is not the service’s user: refused before any request');
      const cli = await cliRun(home, ['service', 'status']);
      assert.equal(errorOf(cli)?.code, 'FORBIDDEN', 'the CLI as root is refused too, and does not open the store instead');
      assert.match(svc.output(), /refused a connection: (peer pid \d+ runs as uid 0, not 65534|the peer process could not be seen)/);

      const own = await cliRun(home, ['service', 'status', '--json'], env, asNobody);
      assert.equal(own.code, 0, own.stderr);
      assert.equal(JSON.parse(own.stdout).state, 'sealed');
    },
  );
});
