/**
 * The boundary shape of an error (src/kernel/errors.ts): a next step travels with the code and the
 * message (over the service socket and IPC) and comes back as the same ApiError; a step the
 * receiver does not know is dropped rather than shown as a command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, NEXT_STEPS, toErrorShape } from '../../../src/kernel';
import { hintFor } from '../../../src/cli/hints';

test('a next step survives the boundary shape and back; none is added when there was none', () => {
  const sealed = new ApiError('LOCKED', 'The service on this home is sealed.', { next: 'service-unseal' });
  const shape = toErrorShape(sealed);
  assert.deepEqual(shape, { code: 'LOCKED', message: 'The service on this home is sealed.', next: 'service-unseal' });
  const back = ApiError.from(JSON.parse(JSON.stringify(shape)));
  assert.equal(back.code, 'LOCKED');
  assert.equal(back.next, 'service-unseal');
  assert.deepEqual(Object.keys(toErrorShape(new ApiError('NOT_FOUND', 'No such run.'))), ['code', 'message']);
});

test('an unknown next step from the other side is dropped', () => {
  const back = ApiError.from({ code: 'INTERNAL', message: 'x', next: 'rm -rf /' as never });
  assert.equal(back.next, undefined);
  assert.deepEqual(Object.keys(back.toJSON()), ['code', 'message']);
});

test('every next step has a CLI command, and each names the program', () => {
  for (const step of NEXT_STEPS) assert.match(hintFor(step), /^airgap-runner /, step);
});
