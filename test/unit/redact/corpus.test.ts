/** The seeded corpus through the pure engine: whole text, JSON values and the stream in small chunks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, pseudonymFor, type RedactorDeps } from '../../../src/redact';
import { exactDetector } from '../../../src/redact/detectors';
import { ORDINARY, SEEDED, SENSITIVE_VALUES, SITE_DOMAINS, SITE_PATTERN, VAULT_VALUES, leaks, seededLog } from './seeded';

const KEY = Buffer.alloc(32, 7);

function deps(reverse = new Map<string, string>()): RedactorDeps {
  return {
    pseudonymKey: KEY,
    sitePatterns: [SITE_PATTERN],
    siteDomains: SITE_DOMAINS,
    recordPseudonym: (_kind, token, original) => void reverse.set(token, original),
    pseudonymOriginal: (token) => reverse.get(token),
  };
}

const OPTIONS = { secrets: VAULT_VALUES, sensitiveValues: SENSITIVE_VALUES, record: true };

test('every seeded value is replaced, by the rule it was seeded for, and ordinary lines survive', () => {
  const r = createRedactor(deps(), OPTIONS);
  const log = seededLog();
  const out = r.redact(log);
  assert.deepEqual(leaks(out.text), []);
  for (const line of ORDINARY) assert.ok(out.text.includes(line), `ordinary line kept: ${line}`);
  const rules = new Set(out.replacements.map((x) => x.rule));
  for (const s of SEEDED) assert.ok(rules.has(s.rule), `rule ${s.rule} fired`);
  // Offsets point at the originals in the input.
  for (const x of out.replacements) assert.equal(log.slice(x.start, x.end), x.original);
  assert.equal(r.counts()['ipv4'], 2, 'the seeded IPv4 and the one in the postgres URL');
});

test('the stream finds the same matches whatever the chunk size', () => {
  const log = seededLog();
  const whole = createRedactor(deps(), OPTIONS).redact(log).text;
  for (const size of [1, 3, 7, 64, 1000]) {
    const s = createRedactor(deps(), OPTIONS).stream();
    let out = '';
    for (let i = 0; i < log.length; i += size) out += s.push(log.slice(i, i + size));
    out += s.flush();
    assert.equal(out, whole, `chunk size ${size}`);
  }
});

test('redactValue replaces strings inside JSON and keeps keys', () => {
  const r = createRedactor(deps(), OPTIONS);
  const { value, replacements } = r.redactValue({
    'peer 192.168.77.201': ['jane.doe@customer-mail.org', 3, null, { x: SENSITIVE_VALUES[0] }],
  });
  assert.equal(replacements, 2, 'the e-mail and the sensitive value; keys are kept');
  assert.deepEqual(Object.keys(value as object), ['peer 192.168.77.201']);
  assert.deepEqual(leaks(JSON.stringify(Object.values(value as object))), []);
});

test('pseudonyms: keyed, stable, kind-prefixed, case-folded for hosts; the reverse map restores them', () => {
  const reverse = new Map<string, string>();
  const a = createRedactor(deps(reverse), OPTIONS).redact('db-seeded-01.corp.example.com and DB-SEEDED-01.corp.example.com').text;
  const token = pseudonymFor(KEY, 'host', 'db-seeded-01.corp.example.com');
  assert.match(token, /^host-[0-9a-f]{6}$/);
  assert.equal(a, `${token} and ${token}`);
  assert.equal(reverse.get(token), 'db-seeded-01.corp.example.com');
  const b = createRedactor(deps(reverse), OPTIONS).redact('db-seeded-01.corp.example.com').text;
  assert.equal(b, token);
  assert.notEqual(pseudonymFor(Buffer.alloc(32, 8), 'host', 'db-seeded-01.corp.example.com'), token, 'another key, another token');
});

test('a pseudonym collision takes a longer token instead of reusing one that means something else', () => {
  const reverse = new Map<string, string>([[pseudonymFor(KEY, 'ip', '10.0.0.1'), 'some other original']]);
  const r = createRedactor(deps(reverse), OPTIONS);
  const out = r.redact('10.0.0.1').text;
  assert.equal(out, pseudonymFor(KEY, 'ip', '10.0.0.1', 8));
  assert.equal(reverse.get(out), '10.0.0.1');
});

test('record: false (the preview) writes nothing to the reverse map', () => {
  const reverse = new Map<string, string>();
  createRedactor(deps(reverse), { ...OPTIONS, record: false }).redact(seededLog());
  assert.equal(reverse.size, 0);
});

test('strict masks identifiers too; default pseudonymises them', () => {
  const text = 'peer 192.168.77.201 and TCK-775533';
  assert.equal(createRedactor(deps(), { ruleSet: 'strict' }).redact(text).text, 'peer [MASKED:ipv4] and [MASKED:site:ticket]');
  assert.match(createRedactor(deps(), {}).redact(text).text, /^peer ip-[0-9a-f]{6} and ticket-[0-9a-f]{6}$/);
});

test('the version names the rule set and a hash of the site patterns and domains', () => {
  const plain = createRedactor({ pseudonymKey: KEY, sitePatterns: [], siteDomains: [] });
  assert.equal(plain.version, '1');
  const site = createRedactor(deps());
  assert.match(site.version, /^1\+site\.[0-9a-f]{8}$/);
  const other = createRedactor({ ...deps(), siteDomains: ['other.example.net'] });
  assert.notEqual(other.version, site.version);
});

test('timestamps, versions and C++ scopes are not addresses', () => {
  const r = createRedactor(deps());
  for (const text of ['12:34:56', '2026-11-26T09:12:44.123Z', 'v1.2.3', 'std::vector', 'Foo::Bar', '00:1a:2b:3c:4d:5e', 'a 1.2.3.4.5 b']) {
    assert.deepEqual(
      r.redact(text).replacements.filter((x) => x.rule.startsWith('ip')),
      [],
      text,
    );
  }
  assert.deepEqual(
    r.redact('::1 fe80::1%eth0 2001:db8:0:0:0:0:2:1 ::ffff:10.0.0.1').replacements.map((x) => x.original),
    ['::1', 'fe80::1', '2001:db8:0:0:0:0:2:1', '::ffff:10.0.0.1'],
  );
});

test('a private key split over many pushes is still masked whole, and a key too long to hold is cut off', () => {
  const s = createRedactor(deps()).stream();
  let out = s.push('before\n-----BEGIN PRIVATE KEY-----\n');
  out += s.push(`${'QUJD'.repeat(20000)}\n`);
  out += s.push('more\n-----END PRIVATE KEY-----\nafter\n');
  out += s.flush();
  assert.equal(out, 'before\n[MASKED:private-key]\nafter\n');
});

test('a very long line is cut for the stream without splitting a match', () => {
  const r = createRedactor(deps());
  const line = `${'x '.repeat(50000)}jane.doe@customer-mail.org ${'y '.repeat(50000)}\n`;
  const s = r.stream();
  let out = '';
  for (let i = 0; i < line.length; i += 4096) out += s.push(line.slice(i, i + 4096));
  out += s.flush();
  assert.equal(out, createRedactor(deps()).redact(line).text);
  assert.ok(!out.includes('jane.doe'));
});

test('a large multi-line vault value split across many chunks is masked whole, in time linear in the log', () => {
  // A kubeconfig with an embedded certificate: 2,000 lines of 64 base64 characters, about 130 KB.
  const big = Array.from({ length: 2000 }, (_, i) => Buffer.from(`certificate line ${i} `.padEnd(48, 'x')).toString('base64')).join('\n');
  const r = createRedactor(deps(), { secrets: [big] });
  const log = `before\n${big}\nafter\n`.repeat(2);
  const s = r.stream();
  const started = performance.now();
  let out = '';
  for (let i = 0; i < log.length; i += 4096) out += s.push(log.slice(i, i + 4096));
  out += s.flush();
  assert.ok(performance.now() - started < 5000, 'no quadratic scan of the held tail');
  assert.equal(out, 'before\n[MASKED:vault]\nafter\n'.repeat(2));
});

test('an exact value is found where indexOf finds it, whichever of its characters the search starts from', () => {
  // Random texts over a small alphabet make many near misses, overlaps and repeats; the search by a
  // rare character must give the leftmost matches that do not overlap, as indexOf from each end does.
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = (n: number) => Array.from({ length: n }, () => 'aabQ=-'[rand(6)]).join('');
  for (let round = 0; round < 500; round++) {
    const forms = [word(1 + rand(12)), word(1 + rand(12))];
    const text = `${word(100)}${forms[0]}${forms[0]}${word(100)}${forms[1]}${word(50)}`;
    const found: Array<[number, number]> = [];
    exactDetector('vault', forms)!.find(text, found);
    const expected: Array<[number, number]> = [];
    for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
      if (forms.some((g) => g.length < form.length && form.startsWith(g) && /^[=\s]*$/.test(form.slice(g.length)))) continue;
      for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + form.length)) expected.push([at, at + form.length]);
    }
    assert.deepEqual(found, expected, `round ${round}: ${JSON.stringify(forms)}`);
  }
});
