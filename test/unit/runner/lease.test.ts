/** The runner lease: one holder; LOCKED for others; dead or silent holders are taken over. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Lease, readLease } from '../../../src/runner/lease';
import { tempDir } from '../../helpers/core';

test('a second acquire is LOCKED naming the holder; release frees it', () => {
  const path = join(tempDir(), 'runner.lease');
  const first = Lease.acquire(path);
  assert.equal(readLease(path)?.instanceId, first.instanceId);
  assert.throws(
    () => Lease.acquire(path),
    (e: { code?: string; message?: string }) => e.code === 'LOCKED' && e.message!.includes(`pid ${process.pid}`),
  );
  first.release();
  assert.equal(existsSync(path), false);
  const second = Lease.acquire(path);
  second.release();
});

test('a lease of a dead process is taken over at once', () => {
  const path = join(tempDir(), 'runner.lease');
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
  const at = new Date().toISOString();
  writeFileSync(path, JSON.stringify({ instanceId: 'old', pid: dead, host: hostname(), startedAt: at, heartbeatAt: at }));
  const lease = Lease.acquire(path);
  assert.notEqual(readLease(path)?.instanceId, 'old');
  lease.release();
});

test('a live holder with a stale heartbeat is taken over; the old holder notices it lost the lease', () => {
  const path = join(tempDir(), 'runner.lease');
  let t = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date(t);
  const old = Lease.acquire(path, { now, heartbeatMs: 60_000 });
  let lost = false;
  old.onLost(() => {
    lost = true;
  });
  const other = { ...readLease(path)!, pid: 1, host: 'elsewhere' };
  writeFileSync(path, JSON.stringify(other));
  assert.throws(() => Lease.acquire(path, { now }), { code: 'LOCKED' });
  t += 60_000;
  const taker = Lease.acquire(path, { now });
  old.beat();
  assert.equal(lost, true);
  old.release();
  assert.equal(readLease(path)?.instanceId, taker.instanceId, 'releasing a lost lease leaves the new holder alone');
  taker.release();
});

test('heartbeats refresh the file', () => {
  const path = join(tempDir(), 'runner.lease');
  let t = Date.parse('2026-01-01T00:00:00Z');
  const lease = Lease.acquire(path, { now: () => new Date(t), heartbeatMs: 60_000 });
  t += 5000;
  lease.beat();
  assert.equal(readLease(path)?.heartbeatAt, '2026-01-01T00:00:05.000Z');
  lease.release();
});
