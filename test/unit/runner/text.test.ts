/** Terminal escapes and other controls in task output are made visible, never interpreted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayLine, displayText } from '../../../src/runner/text';

test('CSI, OSC and lone controls are neutralised; tabs and plain text kept', () => {
  const out = displayLine('\u001b[31mred\u001b[0m\tok \u001b]0;title\u0007 bell\u0007 \u0000 \u009b2J');
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(out), JSON.stringify(out));
  assert.ok(out.includes('red'));
  assert.ok(out.includes('\t'));
  assert.ok(out.includes('␛[31m'));
});

test('bidi overrides are neutralised; multi-line text keeps its line breaks', () => {
  assert.equal(displayLine('a\u202eb'), 'a?b');
  assert.equal(displayText('one\n\u001b[2Jtwo'), 'one\n␛[2Jtwo');
});
