/**
 * Closing the core mid-run, on the real engine (issue 12): `Core.close()` stops the runner it built,
 * so the run is settled as interrupted by the closing process itself (not left to the next start's
 * recovery), its container is killed and removed, and the lease file is gone. This is what the
 * desktop app's quit and the CLI's exit rely on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lease, LABELS, readLease } from '../../../src/runner';
import { layoutOf } from '../../../src/store';
import { signIn } from '../../helpers/core';
import { dispatch } from '../../../src/api';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('rtc');
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('rtcnet'))]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (!skip) await c.cleanup();
});

describe('closing the core while a task runs', { skip }, () => {
  test('the lease is released, the run is settled as interrupted and no container is left', async () => {
    const core = c.env.core;
    const home = c.env.home;
    const workstation = core.workstationId;
    const ours = { label: `${LABELS.workstation}=${workstation}` };

    const { id } = await c.op1('runs.start', { bundle: FIXTURE, task: 'hold', values: { SECONDS_TO_HOLD: '300' } });
    await until(async () => (await c.op1('runs.show', { id })).state === 'running', 60_000, 'the run to be running');
    await until(async () => (await c.op1('runs.logs', { id })).lines.some((l) => l.text === 'holding'), 30_000, 'the task to print');
    assert.equal((await c.engine.listContainers(ours)).length, 1, 'one container runs the task');
    assert.ok(readLease(layoutOf(home).lease), 'the runner holds the lease');

    const started = Date.now();
    await core.close('the test closed the core');
    assert.ok(Date.now() - started < 60_000, 'close() waits for the run to settle, not for the task');

    assert.equal(readLease(layoutOf(home).lease), null, 'the lease file is gone');
    assert.equal(Lease.holder(layoutOf(home).lease), null);
    assert.deepEqual(await c.engine.listContainers(ours), [], 'no container of this store is left, running or stopped');
    assert.equal(core.isOpen, false, 'the store is closed');

    // Open the store again (the same core, as the desktop app would after a restart) and read.
    const session = await signIn(core, 'op1', 'op1-password-123');
    const run = await dispatch(core, session, 'runs.show', { id });
    assert.equal(run.state, 'finished');
    assert.equal(run.outcome, 'interrupted');
    const log = (await dispatch(core, session, 'runs.logs', { id })).lines.map((l) => l.text);
    assert.ok(
      log.some((line) => /interrupted: the runner stopped \(the test closed the core\)/.test(line)),
      log.join('\n'),
    );
    // Settled by the closing core itself: the next start has nothing to recover.
    const runner = await core.runner.ensure();
    assert.deepEqual(runner.recovery, { containers: 0, secretFolders: 0, runs: [] });
  });
});
