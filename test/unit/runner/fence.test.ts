/** The lease epoch fences run writes: a runner whose epoch is not the store's writes nothing and stops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { Fence } from '../../../src/runner/fence';
import { RunRecords } from '../../../src/runner';
import { runnerEnv } from './runner-env';

test('a fence taken later wins: the earlier one writes nothing, not even inside an outer transaction', async () => {
  const env = await runnerEnv();
  try {
    const core = env.core;
    const first = Fence.take(core, 'first', '2026-01-01T00:00:00Z');
    assert.equal(
      first.write(() => 'ok'),
      'ok',
    );
    const second = Fence.take(core, 'second', '2026-01-01T00:00:01Z');
    assert.equal(second.epoch, first.epoch + 1);
    const before = core.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number };
    let ran = false;
    assert.throws(
      () => first.transact(() => void (ran = true), { actor: 'system', action: 'runs.end', outcome: 'success' }),
      (e: unknown) => e instanceof ApiError && e.code === 'LOCKED' && /lease epoch/.test(e.message),
    );
    assert.equal(ran, false, 'the change never ran');
    assert.equal((core.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n, before.n, 'no event');
    assert.equal(first.lost, true);
    assert.throws(() => core.db.transaction(() => first.write(() => undefined))(), /no longer holds the runner lease/);
    assert.equal(
      second.write(() => 'still mine'),
      'still mine',
    );
    assert.equal(
      second.transact(() => false, { actor: 'system', action: 'runs.end', outcome: 'success' }),
      false,
      'a change that did nothing records no event',
    );
    assert.equal((core.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n, before.n);
  } finally {
    await env.done();
  }
});

test('a runner fenced out mid-run stops without settling: the run and its events are left to the new holder', async () => {
  const env = await runnerEnv(() => ({ hang: true }));
  try {
    const { id } = await env.op1('runs.start', { bundle: 'svc', task: 'check' });
    const runner = env.core.runner.current()!;
    const records = new RunRecords(env.core.store.db);
    for (let i = 0; i < 100 && records.get(id)?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(records.get(id)?.state, 'running');
    Fence.take(env.core, 'another-process', '2026-01-01T00:00:00Z');
    await env.op1('runs.cancel', { id }); // the cancel kills the container; the settle is then refused
    await env.core.runner.waitFor(id);
    for (let i = 0; i < 100 && !runner.isClosed; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(runner.isClosed, true, 'the fenced runner stopped');
    assert.equal(records.get(id)?.state, 'running', 'not settled by the stale runner');
    const ends = env.core.store.db.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'runs.end'").get() as { n: number };
    assert.equal(ends.n, 0);
    assert.deepEqual(
      [...env.engine.containers.values()].filter((c) => c.running),
      [],
      'its container was killed',
    );
    assert.equal(env.core.runner.current(), undefined, 'the next run takes the lease again');
  } finally {
    await env.done();
  }
});
