/**
 * The stand-in `window.api` (bench/ui, test/e2e/standin.ts) answers every operation and subscription
 * with a sample made from the contract's schemas: each must exist and be accepted by its schema, so a
 * new operation cannot leave the stand-in silent (issue 19: the bench hung on one it did not know).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { contract, subscriptions, OP_NAMES, SUB_NAMES } from '../../../src/api/contract';
import { sampleAnswers, sampleEvents, sampleOf } from '../../helpers/contract-samples';

describe('contract samples', () => {
  it('answer every operation with a value its output schema accepts', () => {
    const answers = sampleAnswers();
    assert.deepEqual(Object.keys(answers).sort(), [...OP_NAMES].sort());
    for (const name of OP_NAMES) assert.ok(contract[name].output.safeParse(answers[name]).success, name);
  });

  it('give every subscription an event its schema accepts', () => {
    const events = sampleEvents();
    assert.deepEqual(Object.keys(events).sort(), [...SUB_NAMES].sort());
    for (const name of SUB_NAMES) assert.ok(subscriptions[name].event.safeParse(events[name]).success, name);
  });

  it('fill required keys, enum-keyed records, minimum lengths and time fields', () => {
    const schema = z.object({
      at: z.string(),
      kind: z.enum(['b', 'a']),
      maybe: z.string().optional(),
      gone: z.string().nullable(),
      byPath: z.record(z.enum(['x', 'y']), z.number().int().min(3)),
      some: z.array(z.literal('one')).min(2),
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    });
    const sample = sampleOf(schema) as Record<string, unknown>;
    assert.ok(schema.safeParse(sample).success);
    assert.ok(!Number.isNaN(Date.parse(sample.at as string)), 'a field named like a time holds a time');
    assert.equal(sample.kind, 'b');
    assert.equal('maybe' in sample, false);
    assert.deepEqual(sample.byPath, { x: 1024, y: 1024 });
    assert.deepEqual(sample.some, ['one', 'one']);
  });
});
