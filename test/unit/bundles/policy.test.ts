import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allowTags,
  clearPolicy,
  DEFAULT_TAG_POLICY,
  denyTags,
  evaluateTask,
  matchesTag,
  tagPolicySchema,
} from '../../../src/bundles/index';

const readOnly = { tags: ['access:read-only', 'data:config'] };
const readWrite = { tags: ['access:read-write', 'data:config'] };

void test('globs: * matches any run, case-insensitive, anchored', () => {
  assert.equal(matchesTag('data:*', 'data:logs-regexp'), true);
  assert.equal(matchesTag('DATA:*', 'data:Metrics'), true);
  assert.equal(matchesTag('*:read-*', 'access:read-write'), true);
  assert.equal(matchesTag('*', 'anything'), true);
  assert.equal(matchesTag('data', 'data:config'), false);
  assert.equal(matchesTag('data:config', 'xdata:config'), false);
  assert.equal(matchesTag('a.c', 'abc'), false); // "." is literal
  assert.equal(matchesTag('logs-*-bulk', 'logs-x-bulk'), true);
});

void test('default policy denies read-write tasks and allows read-only ones', () => {
  assert.deepEqual(DEFAULT_TAG_POLICY, { allow: [], deny: ['access:read-write'] });
  assert.equal(evaluateTask(readOnly, DEFAULT_TAG_POLICY).allowed, true);
  const decision = evaluateTask(readWrite, DEFAULT_TAG_POLICY);
  assert.equal(decision.allowed, false);
  assert.deepEqual(decision.deniedTags, ['access:read-write']);
  assert.match(decision.reason, /tag "access:read-write" matches deny pattern "access:read-write"/);
  assert.match(decision.reason, /An admin can allow the tag "access:read-write" in the tag policy\./);
});

void test('the access field is evaluated even when the tags omit it', () => {
  assert.equal(evaluateTask({ tags: ['data:config'], access: 'read-write' }, DEFAULT_TAG_POLICY).allowed, false);
});

void test('allow lifts a deny; deny puts it back; clear restores the default', () => {
  const allowed = allowTags(DEFAULT_TAG_POLICY, ['Access:Read-Write']);
  assert.deepEqual(allowed, { allow: ['access:read-write'], deny: [] });
  assert.equal(evaluateTask(readWrite, allowed).allowed, true);
  assert.equal(evaluateTask(readOnly, allowed).allowed, true); // allowing is not restricting
  const denied = denyTags(allowed, ['access:read-write']);
  assert.equal(evaluateTask(readWrite, denied).allowed, false);
  assert.deepEqual(clearPolicy(), { allow: [], deny: ['access:read-write'] });
});

void test('the most specific pattern decides; a tie goes to deny', () => {
  const policy = { allow: ['access:read-only', 'data:*'], deny: ['*', 'data:logs-bulk'] };
  assert.equal(evaluateTask(readOnly, policy).allowed, true);
  assert.equal(evaluateTask({ tags: ['access:read-only', 'data:logs-bulk'] }, policy).allowed, false);
  assert.equal(evaluateTask({ tags: ['access:read-only', 'kubernetes'] }, policy).allowed, false);
  assert.equal(evaluateTask({ tags: ['data:config'] }, { allow: ['data:*'], deny: ['data:*'] }).allowed, false);
  assert.equal(evaluateTask({ tags: ['data:config'] }, { allow: ['data:config'], deny: ['data:*'] }).allowed, true);
});

void test('several denied tags are all reported', () => {
  const decision = evaluateTask(
    { tags: ['access:read-write', 'data:logs-bulk'] },
    { allow: [], deny: ['access:read-write', 'data:logs-*'] },
  );
  assert.deepEqual(decision.deniedTags, ['access:read-write', 'data:logs-bulk']);
  assert.match(decision.reason, /and 1 more/);
});

void test('pure: evaluation does not change the policy', () => {
  const policy = { allow: ['x'], deny: ['y'] };
  evaluateTask(readWrite, policy);
  allowTags(policy, ['y']);
  assert.deepEqual(policy, { allow: ['x'], deny: ['y'] });
});

void test('stored policies are validated', () => {
  assert.equal(tagPolicySchema.safeParse({ allow: ['data:*'], deny: [] }).success, true);
  assert.equal(tagPolicySchema.safeParse({ allow: ['data:(.*)'], deny: [] }).success, false);
  assert.equal(tagPolicySchema.safeParse({ allow: [], deny: [], extra: 1 }).success, false);
  assert.throws(() => allowTags(DEFAULT_TAG_POLICY, ['bad tag']));
});
