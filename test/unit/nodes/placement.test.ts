/** Placement (src/nodes/placement.ts): which nodes fit a run, the errors when none does, and the pick among them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { misfit, pickNode, placeRun, placementLabels, READ_WRITE_LABEL, type NodeEntry } from '../../../src/nodes';
import { parseCodebundleYaml } from '../../../src/bundles';
import { FIT } from './facts';

function node(name: string, labels: Record<string, string>, extra: Partial<NodeEntry> = {}): NodeEntry {
  return {
    name,
    transport: 'ssh-docker',
    address: `ssh://root@${name}:22`,
    pin: { kind: 'ssh-host-key', key: 'ssh-ed25519 AAAA' },
    fingerprint: 'SHA256:x',
    labels,
    maxConcurrency: 2,
    facts: FIT,
    state: 'enabled',
    refusedReason: null,
    enrolledBy: 'admin',
    enrolledAt: '2026-01-01T00:00:00.000Z',
    pinnedBy: 'admin',
    pinnedAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: null,
    unreachable: null,
    images: [],
    ...extra,
  };
}

const dc1 = node('dc1-a', { segment: 'dc1' });
const dc2 = node('dc2-a', { segment: 'dc2', [READ_WRITE_LABEL.key]: READ_WRITE_LABEL.value });
const dc2b = node('dc2-b', { segment: 'dc2' }, { maxConcurrency: 1 });
const refused = node('dc2-r', { segment: 'dc2' }, { state: 'refused', refusedReason: 'host key changed' });
const all = [dc1, dc2, dc2b, refused];

function code(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected an ApiError');
}

test('a node fits when it carries every label asked for, is not refused, and allows read-write for a read-write task', () => {
  assert.deepEqual(misfit(dc2, { labels: { segment: 'dc2' }, access: 'read-write' }), []);
  assert.deepEqual(misfit(dc1, { labels: {}, access: 'read-only' }), []);
  assert.match(misfit(dc1, { labels: { segment: 'dc2' }, access: 'read-only' }).join(), /lacks segment=dc2/);
  assert.match(misfit(dc2b, { labels: { segment: 'dc2' }, access: 'read-write' }).join(), /read-write=allowed/);
  assert.match(misfit(refused, { labels: {}, access: 'read-only' }).join(), /refused/);
  assert.deepEqual(
    placeRun(all, { labels: { segment: 'dc2' }, access: 'read-only' }).map((n) => n.name),
    ['dc2-a', 'dc2-b'],
  );
  assert.deepEqual(
    placeRun(all, { labels: { segment: 'dc2' }, access: 'read-write' }).map((n) => n.name),
    ['dc2-a'],
  );
});

test('no node fits: POLICY_DENIED naming each node and why, and what to do', () => {
  const none = code(() => placeRun(all, { labels: { segment: 'dc9' }, access: 'read-only' }));
  assert.equal(none.code, 'POLICY_DENIED');
  assert.match(none.message, /needs segment=dc9/);
  assert.match(none.message, /dc1-a \(it lacks segment=dc9\)/);
  assert.match(none.message, /An admin can enrol or label a node/);
  assert.match(code(() => placeRun([], { labels: { segment: 'dc1' }, access: 'read-only' })).message, /No node is enrolled/);
  // A named node that does not fit says which ones do.
  const named = code(() => placeRun(all, { labels: { segment: 'dc2' }, access: 'read-only' }, 'dc1-a'));
  assert.equal(named.code, 'POLICY_DENIED');
  assert.match(named.message, /Node dc1-a cannot take this run: it lacks segment=dc2\. Nodes that fit: dc2-a, dc2-b\./);
  assert.equal(code(() => placeRun(all, { labels: {}, access: 'read-only' }, 'nope')).code, 'NOT_FOUND');
  // A read-write task on a node an admin did not allow it on.
  assert.match(code(() => placeRun(all, { labels: {}, access: 'read-write' }, 'dc1-a')).message, /read-write=allowed/);
});

test("the operator adds labels to the task's, never changes them", () => {
  assert.deepEqual(placementLabels({ segment: 'dc2' }, { rack: '12' }), { segment: 'dc2', rack: '12' });
  assert.deepEqual(placementLabels({ segment: 'dc2' }, { segment: 'dc2' }), { segment: 'dc2' });
  assert.equal(code(() => placementLabels({ segment: 'dc2' }, { segment: 'dc1' })).code, 'INVALID_INPUT');
});

test('the pick: a free slot, answering nodes first, then the least loaded; none when all are full', () => {
  const candidates = [dc2, dc2b].map((entry) => ({ entry }));
  const load = new Map<string, number>();
  const running = (n: string): number => load.get(n) ?? 0;
  const none = new Set<string>();
  assert.equal(pickNode(candidates, running, (n) => none.has(n))?.entry.name, 'dc2-a');
  load.set('dc2-a', 1);
  // dc2-a at 1 of 2 (0.5) and dc2-b at 0 of 1: the least loaded.
  assert.equal(pickNode(candidates, running, (n) => none.has(n))?.entry.name, 'dc2-b');
  // Unreachable goes last even when less loaded.
  assert.equal(pickNode(candidates, running, (n) => n === 'dc2-b')?.entry.name, 'dc2-a');
  load.set('dc2-b', 1);
  load.set('dc2-a', 2);
  assert.equal(
    pickNode(candidates, running, () => false),
    null,
    'per-node concurrency holds',
  );
});

test('codebundle.yaml: placement.labels is optional, 1-16 labels, keys like node labels', () => {
  const yaml = (placement: string): string =>
    [
      'apiVersion: airgap-runner.io/v1',
      'name: placed',
      'version: 1.0.0',
      'description: d',
      'maintainer: m',
      'tasks:',
      '  - id: t',
      '    title: T',
      '    tags: [access:read-only]',
      '    access: read-only',
      '    command: [/bin/true]',
      placement,
      '',
    ].join('\n');
  const task = (placement: string) => parseCodebundleYaml(yaml(placement)).tasks[0]!;
  assert.deepEqual(task('    placement: { labels: { segment: dc2 } }').placement, { labels: { segment: 'dc2' } });
  assert.equal(task('').placement, undefined);
  assert.throws(() => task('    placement: { labels: {} }'), /1 to 16 labels/);
  assert.throws(() => task("    placement: { labels: { 'Bad Key': x } }"), /label key/);
  assert.throws(() => task('    placement: { nodes: [x] }'), /nodes/);
});
