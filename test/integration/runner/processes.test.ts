/**
 * The runner across processes, through the real CLI (one process per command) on the real engine:
 *  - a second process gets LOCKED for `run` while the lease is held, and reads still work;
 *  - the lease holder is killed with SIGKILL mid-run; the next `run` recovers: the run is settled
 *    as interrupted, and no container and no secret folder are left;
 *  - a read-write run waits (in its own process) for an approval given by another process;
 *  - `runs cancel` from another process stops a run; exit codes say how the task ended.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { layoutOf } from '../../../src/store/files';
import { LABELS } from '../../../src/runner';
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
