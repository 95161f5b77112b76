/** Exact masking of known secret values, including across chunk boundaries and in base64. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, Masker, StreamMasker, secretForms } from '../../../src/redact/mask';

const SECRET = 'canary-7f3a9c1e-token';

test('forms: the value, trimmed, long lines of a multi-line value, base64 and base64url', () => {
  const kube = `apiVersion: v1\ntoken: abcdefghijklmnopqrstuvwxyz0123\n`;
  const forms = secretForms(kube);
  assert.ok(forms.includes(kube));
  assert.ok(forms.includes(kube.trim()));
  assert.ok(forms.includes('token: abcdefghijklmnopqrstuvwxyz0123'));
  assert.ok(forms.includes('apiVersion: v1'));
  assert.ok(forms.includes(Buffer.from(kube).toString('base64')));
  assert.ok(forms.includes(Buffer.from(kube.trim()).toString('base64url').replace(/=+$/, '')));
  // Sorted longest first, so the longest match wins.
  for (let i = 1; i < forms.length; i++) assert.ok(forms[i - 1]!.length >= forms[i]!.length);
  // Too short to mask on its own.
  assert.deepEqual(secretForms('ab'), []);
});

test('Masker masks every occurrence, plain and base64, and leaves other text alone', () => {
  const m = new Masker([Buffer.from(`${SECRET}\n`)]);
  const b64 = Buffer.from(SECRET).toString('base64');
  assert.equal(m.mask(`a ${SECRET} b ${SECRET}`), `a ${MASK} b ${MASK}`);
  assert.equal(m.mask(`x=${b64}`), `x=${MASK}`);
  assert.equal(m.mask('nothing here'), 'nothing here');
  assert.equal(new Masker([]).mask(SECRET), SECRET);
});

test('StreamMasker masks a secret split across any two chunks', () => {
  const text = `before ${SECRET} middle ${SECRET} after`;
  for (let cut = 0; cut <= text.length; cut++) {
    for (const second of [cut, Math.min(text.length, cut + 3)]) {
      const s = new StreamMasker(new Masker([SECRET]));
      const out = s.push(text.slice(0, cut)) + s.push(text.slice(cut, second)) + s.push(text.slice(second)) + s.flush();
      assert.equal(out, `before ${MASK} middle ${MASK} after`, `cut at ${cut}/${second}`);
    }
  }
});

test('StreamMasker holds back only a possible start of a secret', () => {
  const s = new StreamMasker(new Masker([SECRET]));
  assert.equal(s.push('hello canary-7f'), 'hello ');
  assert.equal(s.push('X'), 'canary-7fX');
  assert.equal(s.flush(), '');
});
