/** Site patterns are checked before they run over everything that leaves: slow or odd ones are refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNestedQuantifier, validateSitePattern } from '../../../src/redact/patterns';
import { ApiError } from '../../../src/kernel';
import { createRedactor } from '../../../src/redact';

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

/** Patterns that hang a backtracking engine (issue 13, section 3): each refused or finished within 1 s. */
const HOSTILE = ['\\d+\\d+z', '\\d+\\d+\\d+\\d+\\d+\\d+\\d+\\d+z', 'ab\\d+\\d+\\d+z', '\\w+\\d+!', 'x[a-z]*\\w+\\.$'];

test('adjacent unbounded repeats over overlapping classes are refused, each within 1 s', () => {
  for (const regex of HOSTILE) {
    const started = performance.now();
    assert.throws(
      () => validateSitePattern({ name: 'p', regex, action: 'mask' }),
      (e: unknown) => e instanceof ApiError && e.code === 'INVALID_INPUT' && /next to each other/.test(e.message),
      regex,
    );
    assert.ok(performance.now() - started < 1000, `${regex} took ${Math.round(performance.now() - started)} ms`);
  }
  // Repeats over classes that cannot share a character, and bounded ones, stay allowed.
  for (const regex of ['[a-z]+\\d+', 'ab\\d+z', '\\d{1,8}\\d{1,8}z', 'TCK-\\d+-[A-Z]+'])
    assert.equal(validateSitePattern({ name: 'p', regex, action: 'mask' }).regex, regex);
});

test('an accepted pattern runs in linear time: a 64 KiB line through ab\\d+-?\\d+z takes well under 1 s', () => {
  // Not refused by any static rule, and cubic for a backtracking engine on a line of digits.
  const p = validateSitePattern({ name: 'p', regex: 'ab\\d+-?\\d+z', action: 'mask' });
  const redactor = createRedactor({ sitePatterns: [p], siteDomains: [], pseudonymKey: Buffer.alloc(32) });
  const line = 'ab' + '1'.repeat(64 * 1024);
  const started = performance.now();
  assert.equal(redactor.redact(line).text, line);
  assert.equal(redactor.redact(`x ab12-34z ${line}`).text.startsWith('x [MASKED:site:p] ab1'), true);
  assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms`);
});

test('patterns are RE2 syntax, matched by code point; JavaScript escapes such as \\u00e9 still work', () => {
  const p = validateSitePattern({ name: 'p', regex: 'caf\\u00e9-\\d+', action: 'mask' });
  const redactor = createRedactor({ sitePatterns: [p], siteDomains: [], pseudonymKey: Buffer.alloc(32) });
  assert.equal(redactor.redact('😀 café-12 ok').text, '😀 [MASKED:site:p] ok');
});
