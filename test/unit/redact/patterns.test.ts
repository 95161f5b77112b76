/** Site patterns are checked before they run over everything that leaves: slow or odd ones are refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNestedQuantifier, validateSitePattern } from '../../../src/redact/patterns';
import { ApiError } from '../../../src/kernel';

test('nested repetition is recognised; ordinary repeats and bounded groups are not', () => {
  for (const re of ['(a+)+', '(\\w*x)*', '(a|ab)*', '(?:x+y)+', '((ab)+c)+', '(?<n>a+){2,}', '(a?)+'])
    assert.equal(hasNestedQuantifier(re), true, re);
  for (const re of ['TCK-\\d{4,8}', '(?:ab)+', '[a+]+', '(abc){1}', '(a+)?', 'x(a|b)', 'cust-[0-9]{6}', '\\(a+\\)+'])
    assert.equal(hasNestedQuantifier(re), false, re);
});

test('validation: clear messages for each refusal; a good pattern passes', () => {
  const refuse = (regex: string, name = 'p', message: RegExp) => {
    assert.throws(
      () => validateSitePattern({ name, regex, action: 'mask' }),
      (e: unknown) => e instanceof ApiError && e.code === 'INVALID_INPUT' && message.test(e.message),
      regex,
    );
  };
  refuse('(a+)+$', 'p', /exponential time/);
  refuse('([a-z', 'p', /not a valid regular expression/);
  refuse('(a)\\1', 'p', /Back-references/);
  refuse('(?=x)y', 'p', /Look-ahead/);
  refuse('a*', 'p', /empty text/);
  refuse('x'.repeat(300), 'p', /1 to 256 characters/);
  refuse('ok', 'Bad Name', /lower-case/);
  assert.deepEqual(validateSitePattern({ name: 'ticket', regex: 'TCK-\\d{4,8}', action: 'pseudonymise' }), {
    name: 'ticket',
    regex: 'TCK-\\d{4,8}',
    action: 'pseudonymise',
  });
});
