/**
 * The runner across processes, through the real CLI (one process per command) on the real engine:
 *  - a second process gets LOCKED for `run` while the lease is held, and reads still work;
 *  - the lease holder is killed with SIGKILL mid-run; the next `run` recovers: the run is settled
 *    as interrupted, and no container and no secret folder are left;
 *  - a read-write run waits (in its own process) for an approval given by another process;
 *  - `runs cancel` from another process stops a run; exit codes say how the task ended;
 *  - a holder killed with SIGKILL mid-run: the next process that merely reads (`runs list`) removes its
 *    container and secret folder and settles the run; `runs show` gives the log's size before and after;
 *  - a holder frozen (SIGSTOP) past the lease timeout, taken over by another process, then resumed
 *    (SIGCONT): it writes nothing more, so every run has exactly one `runs.end` event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { layoutOf } from '../../../src/store/files';
import { LABELS, Lease } from '../../../src/runner';
import { listSecretFolders, secretRoot } from '../../../src/vault/mount';
import { cli, errorLine } from '../../helpers/cli';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, SAMPLES, unique, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('rtp');
const root = fileURLToPath(new URL('../../../', import.meta.url));
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('rtpnet')), join(SAMPLES, 'service-restart')]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
  await c.op1('vault.add', { name: 'canary', value: Buffer.from('process-test-canary-value').toString('base64') });
  await c.op1('vault.bind', { name: 'canary', bundles: [FIXTURE] });
});

after(async () => {
  if (!skip) await c.cleanup();
});

const as = (user: string) => ({ AIRGAP_RUNNER_PASSWORD: `${user}-password-123` });

function cliAsync(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('AIRGAP_RUNNER_')) delete clean[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--home', c.env.home, ...args], {
    cwd: root,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

function run(user: string, args: string[]) {
  return cli(['--home', c.env.home, '--user', user, ...args], as(user));
}

async function newestRun(state?: string): Promise<{ id: string; state: string } | undefined> {
  const list = await c.admin('runs.list', { limit: 5 });
  return list.runs.find((r) => !state || r.state === state);
}

describe('the runner across CLI processes', { skip }, () => {
  test('LOCKED for a second run while the lease is held; SIGKILL of the holder; the next start settles and cleans everything', async () => {
    const holder = cliAsync(['--user', 'op1', 'run', FIXTURE, 'canary', '--set', 'HOLD=300'], as('op1'));
    let running: { id: string } | undefined;
    await until(async () => Boolean((running = await newestRun('running'))), 60_000, 'the first run to be running');
    const id = running!.id;
    await until(async () => (await c.op1('runs.logs', { id })).lines.length > 0, 20_000, 'output');

    const second = run('op2', ['run', FIXTURE, 'quick']);
    assert.equal(second.code, 10, second.stderr);
    assert.equal(errorLine(second)?.code, 'LOCKED');
    assert.match(errorLine(second)!.message, /Another process holds the runner lease/);
    const reads = run('op2', ['runs', 'list']);
    assert.equal(reads.code, 0, reads.stderr);
    assert.match(reads.stdout, new RegExp(`${id}\\s+running`));
    assert.match(reads.stdout, /runner lease: held \(pid \d+/);

    const ws = c.env.core.store.workstationId;
    const secrets = secretRoot({ workstationId: ws, home: c.env.home, allowDisk: false });
    assert.deepEqual(listSecretFolders(secrets), [id]);
    assert.equal((await c.engine.listContainers({ label: `${LABELS.runId}=${id}` })).length, 1);

    holder.child.kill('SIGKILL');
    const killed = await holder.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal((await c.engine.listContainers({ label: `${LABELS.runId}=${id}` })).length, 1, 'a killed holder leaves its container');
    assert.deepEqual(listSecretFolders(secrets), [id], 'and its secret folder');
    assert.equal(existsSync(layoutOf(c.env.home).lease), true, 'and its lease file');
    assert.equal((await c.op1('runs.show', { id })).state, 'running');

    const next = run('op2', ['run', FIXTURE, 'quick']);
    assert.equal(next.code, 0, next.stderr);
    const settled = await c.op1('runs.show', { id });
    assert.equal(settled.state, 'finished');
    assert.equal(settled.outcome, 'interrupted');
    assert.match(settled.error ?? '', /stopped before it finished/);
    assert.deepEqual(await c.engine.listContainers({ label: `${LABELS.workstation}=${ws}` }), [], 'no container left');
    assert.deepEqual(listSecretFolders(secrets), [], 'no secret folder left');
    assert.equal(existsSync(layoutOf(c.env.home).lease), false, 'the lease was released');
  });

  test('a read-write run waits in its process for an approval another process gives', async () => {
    await c.admin('policy.allow', { tags: ['access:read-write'] });
    await c.admin('settings.set', { key: 'runner.requireApproval', value: true });
    await c.op1('vault.add', { name: 'service-token', value: Buffer.from('token-for-the-cli-test').toString('base64') });
    await c.op1('vault.bind', { name: 'service-token', bundles: ['service-restart'] });
    const waiting = cliAsync(
      [
        '--user',
        'op1',
        'run',
        'service-restart',
        'restart-service',
        '--set',
        'SERVICE_NAME=nginx.service',
        '--reason',
        'approved across processes',
        '--follow',
      ],
      as('op1'),
    );
    let pending: { id: string } | undefined;
    await until(async () => Boolean((pending = await newestRun('awaiting-approval'))), 60_000, 'the run to wait for approval');
    const id = pending!.id;
    const self = run('op1', ['runs', 'approve', id]);
    assert.equal(errorLine(self)?.code, 'FORBIDDEN');
    const approve = run('op2', ['runs', 'approve', id]);
    assert.equal(approve.code, 0, approve.stderr);
    const done = await waiting.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, new RegExp(`Run ${id} waits for approval`));
    assert.match(done.stdout, /outcome\s+succeeded/, done.stderr);
    assert.match(done.stdout, /approved by\s+op2/);
    assert.match(done.stdout, /Restarted `nginx.service` \(SIMULATED/);
    await c.admin('settings.set', { key: 'runner.requireApproval', value: false });
  });

  test('runs cancel from another process stops the run; exit codes: 13 cancelled, 11 failed', async () => {
    const holder = cliAsync(['--user', 'op1', 'run', FIXTURE, 'hold', '--follow'], as('op1'));
    let running: { id: string } | undefined;
    await until(async () => Boolean((running = await newestRun('running'))), 60_000, 'the run to be running');
    const cancel = run('op1', ['runs', 'cancel', running!.id]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /cancel requested/);
    const done = await holder.done;
    assert.equal(done.code, 13, done.stderr);
    assert.match(done.stdout, /stdout holding/);
    assert.match(done.stdout, /cancelled by user:op1/);
    const failed = run('op1', ['run', FIXTURE, 'fail']);
    assert.equal(failed.code, 11, failed.stderr);
    assert.match(failed.stdout, /exit code\s+3/);
  });
});

async function endEvents(id: string): Promise<Array<{ details: Record<string, unknown> | null }>> {
  const { events } = await c.admin('audit.list', { action: 'runs.end', limit: 10_000 });
  return (events as Array<{ target: string | null; details: Record<string, unknown> | null }>).filter((e) => e.target === `run:${id}`);
}

describe('the runner after a crash or a freeze', { skip }, () => {
  test('SIGKILL mid-run: a read from another process (runs list) removes the container and the secret folder at once; runs show gives the log size', async () => {
    const ws = c.env.core.store.workstationId;
    const secrets = secretRoot({ workstationId: ws, home: c.env.home, allowDisk: false });
    const holder = cliAsync(['--user', 'op1', 'run', FIXTURE, 'canary', '--set', 'HOLD=300'], as('op1'));
    // Whatever fails below, the holder does not outlive the test (it would hold the lease for the next).
    after(() => void holder.child.kill('SIGKILL'));
    let running: { id: string } | undefined;
    await until(async () => Boolean((running = await newestRun('running'))), 60_000, 'the run to be running');
    const id = running!.id;
    await until(async () => (await c.op1('runs.logs', { id })).lines.length >= 3, 20_000, 'output');

    const during = run('op2', ['runs', 'show', id]);
    assert.equal(during.code, 0, during.stderr);
    const sofar = /log\s+(\d+) bytes stored so far \(the run is running\)/.exec(during.stdout);
    assert.ok(sofar && Number(sofar[1]) > 0, `runs show gives the stored size while running:\n${during.stdout}`);

    holder.child.kill('SIGKILL');
    assert.equal((await holder.done).signal, 'SIGKILL');
    assert.equal((await c.engine.listContainers({ label: `${LABELS.runId}=${id}` })).length, 1, 'the killed holder left its container');
    assert.deepEqual(listSecretFolders(secrets), [id], 'and its secret folder');

    const list = run('op2', ['runs', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(await c.engine.listContainers({ label: `${LABELS.workstation}=${ws}` }), [], 'no container left after a read');
    assert.deepEqual(listSecretFolders(secrets), [], 'no secret folder left after a read');
    assert.equal(existsSync(layoutOf(c.env.home).lease), false, 'the reader released the lease it took to clean up');
    assert.match(list.stdout, new RegExp(`${id}\\s+finished\\s+interrupted`));

    const shown = run('op2', ['runs', 'show', id]);
    assert.match(shown.stdout, /outcome\s+interrupted/);
    const stored = /log\s+(\d+) bytes stored \(the runner stopped before it counted the whole output\)/.exec(shown.stdout);
    assert.ok(stored && Number(stored[1]) >= Number(sofar[1]), shown.stdout);
    const ends = await endEvents(id);
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.details?.recovered, true);
  });

  test('a holder frozen past the lease timeout, taken over, then resumed writes nothing: exactly one runs.end per run', async () => {
    const lease = layoutOf(c.env.home).lease;
    const frozen = cliAsync(['--user', 'op1', 'run', FIXTURE, 'hold'], as('op1'));
    let running: { id: string } | undefined;
    await until(async () => Boolean((running = await newestRun('running'))), 60_000, 'the run to be running');
    const id = running!.id;
    await until(async () => (await c.op1('runs.logs', { id })).lines.length > 0, 20_000, 'output');

    frozen.child.kill('SIGSTOP');
    try {
      // Its pid lives on, so the lease is free only once the heartbeat is older than the timeout (15 s).
      await until(async () => Lease.holder(lease) === null, 40_000, 'the frozen holder to miss its lease timeout');
      const next = run('op2', ['run', FIXTURE, 'quick']);
      assert.equal(next.code, 0, next.stderr);
      const nextId = /^id\s+(\S+)/m.exec(next.stdout)?.[1];
      assert.ok(nextId, next.stdout);
      const settled = await c.op1('runs.show', { id });
      assert.equal(settled.state, 'finished');
      assert.equal(settled.outcome, 'interrupted');
      const linesAtSettle = (await c.op1('runs.logs', { id })).lines.map((l) => l.text);

      frozen.child.kill('SIGCONT');
      const done = await frozen.done;
      assert.equal(done.code, 14, `the resumed process reports the run as interrupted:\n${done.stdout}\n${done.stderr}`);

      for (const each of [id, nextId]) assert.equal((await endEvents(each)).length, 1, `one runs.end for ${each}`);
      assert.equal((await endEvents(id))[0]!.details?.recovered, true, 'the one by the holder that took over');
      const again = await c.op1('runs.show', { id });
      assert.deepEqual(
        [again.outcome, again.endedAt, again.error],
        [settled.outcome, settled.endedAt, settled.error],
        'the record is as the new holder left it',
      );
      assert.deepEqual(
        (await c.op1('runs.logs', { id })).lines.map((l) => l.text),
        linesAtSettle,
        'no log line written by the stale holder',
      );
      assert.deepEqual(await c.engine.listContainers({ label: `${LABELS.workstation}=${c.env.core.store.workstationId}` }), []);
      assert.equal(Lease.holder(lease), null);
    } finally {
      frozen.child.kill('SIGCONT');
      if (frozen.child.exitCode === null && frozen.child.signalCode === null) frozen.child.kill('SIGKILL');
    }
  });
});
