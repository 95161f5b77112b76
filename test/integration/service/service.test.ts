/**
 * The always-on service (docs/service.md), as separate processes on the real engine:
 *  - one service, two clients: the desktop harness (main's SessionBridge over main/service-link.ts)
 *    and the CLI; a run the CLI starts is heard by the harness; a second service on the same home
 *    gets LOCKED; the CLI without a service opens the store itself;
 *  - `login` keeps a 0600 token; `service lock` ends every session (the token stops working and is
 *    removed) and seals the store; a run without the lease gets LOCKED;
 *  - the service killed with SIGKILL mid-run, restarted and unsealed: the run is settled once, as
 *    interrupted, and no container and no secret folder are left.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { servicePaths } from '../../../src/kernel';
import { layoutOf } from '../../../src/store/files';
import { LABELS } from '../../../src/runner';
import { listSecretFolders, secretRoot } from '../../../src/vault/mount';
import { ServiceCoreLink } from '../../../main/service-link';
import { startHarness, type Harness } from '../../e2e/harness';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from '../runner/fixture';
import { cliProcess, cliRun, errorOf, startService, type Proc } from './helpers';

const skip = dockerSkip();
const FIXTURE = unique('svc');
let c: RunnerCore;
let home: string;
const as = (user: string) => ({ AIRGAP_RUNNER_USER: user, AIRGAP_RUNNER_PASSWORD: `${user}-password-123` });
const engineEnv = () => ({ DOCKER_HOST: process.env.DOCKER_HOST });
const running: Proc[] = [];

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('svcnet'))]);
  c = await runnerCore();
  home = c.env.home;
  await c.importAll(mirror.source, mirror.refs.values());
  await c.op1('vault.add', { name: 'canary', value: Buffer.from('service-test-canary-value').toString('base64') });
  await c.op1('vault.bind', { name: 'canary', bundles: [FIXTURE] });
  // The engine the service uses is the test's private one, named in the store (not the environment).
  await c.admin('settings.set', { key: 'engine.socket', value: process.env.DOCKER_HOST });
});

after(async () => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  if (!skip) await c.cleanup();
});

async function service(): Promise<Proc> {
  const p = await startService(home, engineEnv());
  running.push(p);
  return p;
}

async function stopService(p: Proc): Promise<void> {
  p.child.kill('SIGTERM');
  const ended = await p.done;
  assert.equal(ended.code, 0, ended.stderr);
}

async function runsEndEvents(id: string): Promise<number> {
  const page = await c.admin('audit.list', { action: 'runs.end', limit: 500 });
  return page.events.filter((e) => e.target === `run:${id}`).length;
}

describe('the service and its clients', { skip }, () => {
  test('two clients of one service: the desktop harness and the CLI; a second service gets LOCKED', async () => {
    const svc = await service();
    const sock = statSync(servicePaths(home).socket);
    assert.equal(sock.mode & 0o777, 0o600, 'the socket is 0600');
    assert.equal(sock.isSocket(), true);

    const second = await cliRun(home, ['service'], engineEnv());
    assert.equal(second.code, 10, second.stderr);
    assert.equal(errorOf(second)?.code, 'LOCKED');
    assert.match(errorOf(second)!.message, /holds the runner lease/);

    // Sealed: the service answers status and refuses its store; the CLI reads by opening the store itself.
    const sealed = await cliRun(home, ['service', 'status', '--json']);
    assert.equal(JSON.parse(sealed.stdout).state, 'sealed');
    const local = await cliRun(home, ['runs', 'list'], as('op1'));
    assert.equal(local.code, 0, local.stderr);
    const lockedRun = await cliRun(home, ['run', FIXTURE, 'quick'], as('op1'));
    assert.equal(errorOf(lockedRun)?.code, 'LOCKED', lockedRun.stderr);
    assert.match(errorOf(lockedRun)!.message, /sealed service holds this home: unseal it/);
    const noLogin = await cliRun(home, ['login'], as('op1'));
    assert.equal(errorOf(noLogin)?.code, 'LOCKED', noLogin.stderr);
    assert.equal(errorOf(noLogin)?.hint, 'airgap-runner service unseal', 'the CLI names the command the sealed service asks for');
    assert.equal(errorOf(lockedRun)?.hint, 'airgap-runner service unseal');

    const unseal = await cliRun(home, ['service', 'unseal', '--json'], as('op1'));
    assert.equal(unseal.code, 0, unseal.stderr);
    const status = JSON.parse(unseal.stdout) as { state: string; unsealedBy: string; lease: { held: boolean }; runnerError: string | null };
    assert.equal(status.state, 'unsealed');
    assert.equal(status.unsealedBy, 'op1');
    assert.equal(status.lease.held, true);
    assert.equal(status.runnerError, null);

    // The desktop harness, connected to the service as Electron main is when one runs.
    let harness: Harness | null = null;
    const link = await ServiceCoreLink.connect(home, () => undefined);
    assert.ok(link, 'the desktop link reaches the service');
    try {
      harness = await startHarness({ home, link });
      const signIn = await harness.bridge.call('window-1', 'auth.signIn', { name: 'op2', password: 'op2-password-123' });
      assert.equal(signIn.ok, true, JSON.stringify(signIn));
      const states: string[] = [];
      const sub = await harness.bridge.subscribe('window-1', 1, 'runs.state', {}, (e) => states.push((e as { state: string }).state));
      assert.equal(sub.ok, true, JSON.stringify(sub));

      // The CLI signs in once; its token is the service's session, in a 0600 file.
      const login = await cliRun(home, ['login'], as('op1'));
      assert.equal(login.code, 0, login.stderr);
      const token = statSync(servicePaths(home).token);
      assert.equal(token.mode & 0o777, 0o600, 'the token file is 0600');
      const who = await cliRun(home, ['whoami', '--json']);
      assert.equal(who.code, 0, who.stderr);
      assert.equal(JSON.parse(who.stdout).user.name, 'op1', 'no password given: the saved session answered');

      const run = await cliRun(home, ['run', FIXTURE, 'quick', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const id = (JSON.parse(run.stdout) as { id: string }).id;
      await until(() => states.includes('finished'), 20_000, 'the harness to hear the run finish');
      const seen = await harness.bridge.call('window-1', 'runs.show', { id });
      assert.equal(
        seen.ok && (seen.value as { outcome: string }).outcome,
        'succeeded',
        'the run the CLI started is the desktop client’s to see',
      );
      const clients = JSON.parse((await cliRun(home, ['service', 'status', '--json'])).stdout) as { clients: number };
      assert.ok(clients.clients >= 2, `the harness and the status command are both connected (${clients.clients})`);

      // Lock (an admin): every session ends, the desktop's and the saved token's; the store closes.
      const opLock = await cliRun(home, ['service', 'lock']);
      assert.equal(errorOf(opLock)?.code, 'FORBIDDEN', 'an operator does not lock');
      const lock = await cliRun(home, ['service', 'lock', '--json'], as('admin'));
      assert.equal(lock.code, 0, lock.stderr);
      assert.equal(JSON.parse(lock.stdout).state, 'sealed');
      const desk = await harness.bridge.call('window-1', 'runs.list', {});
      assert.equal(!desk.ok && desk.error.code, 'LOCKED', 'the desktop client is refused while sealed');
    } finally {
      await harness?.close();
      link?.close();
    }

    // Unsealed again, the token saved before the lock names a session that no longer exists.
    assert.equal(existsSync(servicePaths(home).token), true);
    assert.equal((await cliRun(home, ['service', 'unseal'], as('op1'))).code, 0);
    const revoked = await cliRun(home, ['whoami']);
    assert.equal(errorOf(revoked)?.code, 'UNAUTHENTICATED', revoked.stderr);
    assert.match(errorOf(revoked)!.message, /saved session has ended/);
    assert.equal(existsSync(servicePaths(home).token), false, 'a revoked token is removed');

    // logout ends the saved session in the service too.
    assert.equal((await cliRun(home, ['login'], as('op2'))).code, 0);
    const logout = await cliRun(home, ['logout']);
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(existsSync(servicePaths(home).token), false);

    await stopService(svc);
    assert.equal(existsSync(servicePaths(home).socket), false, 'a stopped service removes its socket');
    assert.equal(existsSync(layoutOf(home).lease), false, 'and releases the lease');
  });

  test('the service killed with SIGKILL mid-run, restarted and unsealed: the run is settled once, nothing left', async () => {
    const first = await service();
    assert.equal((await cliRun(home, ['service', 'unseal'], as('op1'))).code, 0);
    assert.equal((await cliRun(home, ['login'], as('op1'))).code, 0);
    const client = cliProcess(home, ['run', FIXTURE, 'canary', '--set', 'HOLD=300']);
    running.push(client);
    let id = '';
    await until(
      async () => {
        const runs = await c.op1('runs.list', { limit: 5 });
        id = runs.runs.find((r) => r.state === 'running')?.id ?? '';
        return id !== '';
      },
      60_000,
      'the run to be running in the service',
    );
    await until(async () => (await c.op1('runs.logs', { id })).lines.length > 0, 20_000, 'output');
    const ws = c.env.core.store.workstationId;
    const secrets = secretRoot({ workstationId: ws, home, allowDisk: false });
    assert.deepEqual(listSecretFolders(secrets), [id]);
    assert.equal((await c.engine.listContainers({ label: `${LABELS.runId}=${id}` })).length, 1);

    first.child.kill('SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');
    const orphan = await client.done;
    assert.notEqual(orphan.code, 0, 'the client hears that the service went away');
    assert.equal((await c.engine.listContainers({ label: `${LABELS.runId}=${id}` })).length, 1, 'the killed service left its container');
    assert.equal((await c.op1('runs.show', { id })).state, 'running');

    const second = await service();
    const status = JSON.parse((await cliRun(home, ['service', 'status', '--json'])).stdout) as { state: string; lease: { held: boolean } };
    assert.equal(status.state, 'sealed');
    assert.equal(status.lease.held, true, 'the restarted service took the dead holder’s lease');

    assert.equal((await cliRun(home, ['service', 'unseal'], as('op2'))).code, 0);
    const stale = await cliRun(home, ['whoami']);
    assert.equal(errorOf(stale)?.code, 'UNAUTHENTICATED', 'a restarted service knows none of the old sessions');
    assert.equal(existsSync(servicePaths(home).token), false, 'the stale token is removed');
    const settled = await c.op1('runs.show', { id });
    assert.equal(settled.state, 'finished');
    assert.equal(settled.outcome, 'interrupted');
    assert.equal(await runsEndEvents(id), 1, 'settled exactly once');
    assert.deepEqual(await c.engine.listContainers({ label: `${LABELS.workstation}=${ws}` }), [], 'no container left');
    assert.deepEqual(listSecretFolders(secrets), [], 'no secret folder left');

    // And it runs again, once.
    assert.equal((await cliRun(home, ['login'], as('op2'))).code, 0);
    const again = await cliRun(home, ['run', FIXTURE, 'quick']);
    assert.equal(again.code, 0, again.stderr);
    await stopService(second);
    assert.equal(existsSync(join(home, 'runner.lease')), false);
  });
});
