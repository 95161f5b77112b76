/**
 * Issue 19: the detectors try their regexes only where a match can start (found from a rare literal,
 * or from the text's ":", "=" and "." shared by all), instead of scanning every position. They must
 * find exactly what the old ones found: random texts made of near-misses and real matches, in odd
 * cases, quotes and white space, glued by random characters, go through both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactDetector, siteHostDetector, type Detector, type Span } from '../../../src/redact/detectors';
import { builtinDetectors } from '../../../src/redact/rules';
import { createRedactor } from '../../../src/redact';
import { certainPrefix, compileSitePattern, sitePatternDetector } from '../../../src/redact/patterns';
import { referenceBuiltinDetectors, referenceSiteHostDetector } from './reference-rules';

/** A small seeded PRNG (mulberry32): the same texts on every run, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B64 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/';

const SEPARATORS = ['=', ':', ' = ', '"=', "': '", '\t:\u00a0"', '  ', '=\n'];
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

const FRAGMENTS: ReadonlyArray<(r: () => number) => string> = [
  // IPv4 and near-misses
  (r) => `${Math.floor(r() * 300)}.${Math.floor(r() * 300)}.${Math.floor(r() * 300)}.${Math.floor(r() * 300)}`,
  () => '10.0.0.1',
  () => '1.2.3.4.5',
  () => '1234.1.2.3',
  () => '01.2.3.4',
  () => '1..2.3.4',
  () => 'v1.29.3',
  () => '2026-11-26T00:00:00.037Z',
  () => '192.168.1.',
  // IPv6 and near-misses
  () => '::',
  () => '::1',
  () => 'fe80::1%eth0',
  () => 'fd12:3456:789a::42',
  () => '2001:db8:0:0:0:0:0:1',
  () => '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  () => ':abcd:ef01:2345:',
  () => 'a:b:c:d:e:f:1:2',
  () => '12345:1:2:3:4:5:6:7',
  () => '::ffff:10.0.0.1',
  () => '12:34:56',
  // Times of day next to the full form of IPv6 (the colon filter passes over d:dd:dd)
  () => '1:23:45:6789',
  () => '12:34:56:ab:cd',
  () => '0:12:34a:5:6',
  () => 'fe:12:34:56:',
  () => '9:00:00Z',
  () => 'std::vector',
  () => 'de:ad:be:ef:00:01',
  (r) =>
    Array.from({ length: 8 }, () =>
      Math.floor(r() * 0x1ffff)
        .toString(16)
        .slice(0, 1 + Math.floor(r() * 5)),
    ).join(':'),
  // URLs, ARNs
  () => 'postgres://app:pw-1@db.corp.example.com:5432/app',
  () => 'http://x',
  () => '://a:b@',
  () => 'x+y.z://user:p@ss@host',
  () => 'arn:aws:iam::123456789012:role/ops',
  () => 'arn:aws-cn:s3:::bucket',
  () => 'xarn:aws:s3:::b',
  () => 'arn:',
  // assignments
  () => 'password',
  () => 'passwd',
  () => 'pwd',
  () => 'AccountKey',
  () => 'sharedaccesskey',
  () => 'client_secret',
  () => 'api_key',
  () => 'apiKey',
  () => 'aws_secret_access_key',
  () => 'awsSecretAccessKey',
  () => 'SecretAccessKey',
  () => 'secret_key',
  () => '=',
  () => ':',
  () => ' = ',
  () => '\t:\u00a0',
  () => '"',
  () => "'",
  () => '***',
  () => '[MASKED:x]',
  (r) => Array.from({ length: 40 }, () => B64[Math.floor(r() * 64)]).join(''),
  (r) =>
    `${pick(r, ['aws_secret_access_key', 'AWSSECRETACCESSKEY', 'secret_Key', 'SecretAccessKey', 'x_secret_key'])}${pick(r, SEPARATORS)}${Array.from(
      { length: 38 + Math.floor(r() * 4) },
      () => B64[Math.floor(r() * 64)],
    ).join('')}`,
  (r) =>
    `${pick(r, ['password', 'Passwd', 'PWD', 'accountKey', 'SharedAccessKey', 'client_SECRET', 'api_key', 'APIKEY', 'mypassword'])}${pick(r, SEPARATORS)}${pick(r, ['hunter2', '***', '[MASKED:x]', 's3cr3t;x', ''])}`,
  // literal-led secrets
  () => 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.sig-abc',
  () => 'eyJabc.eyJ',
  () => 'Bearer abcdefgh12345678',
  () => 'bearer ',
  () => 'xBearer abcdefghij',
  () => 'AKIAABCDEFGHIJKLMNOP',
  () => 'ASIA0123456789ABCDEF',
  () => 'ACCA',
  () => 'AIzaSyDseeded0123456789abcdefghijklmnop',
  () => 'AIza',
  () => 'ya29.a0AfH6SMseededOAuthToken0123456789',
  () => 'xya29.abcdefghijklmnopqrstuvwxyz',
  () => '?sig=abcdefghijklmnop1234',
  () => '&sig=',
  () => 'xsig=abcdefghijklmnop1234',
  () => '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
  () => '-----BEGIN PRIVATE KEY-----',
  () => 'BEGIN ',
  () => '/subscriptions/12345678-1234-1234-1234-123456789abc/resourceGroups/rg-1/providers/x',
  () => 'projects/my-project-1/zones/europe-west1-b',
  () => 'projects/',
  () => 'ops@example.org',
  () => '@',
  // site domains
  () => 'db01.corp.example.com',
  () => 'DB01.CORP.EXAMPLE.COM',
  () => 'notcorp.example.com',
  () => 'corp.example.comx',
  () => 'a.Ex-Ample.ORG',
];

/** Glue between fragments: the characters the candidate searches look at, and a few that are not ASCII. */
const GLUE = 'aAdDtTyYkK0123456789.:=@/?&"\' \t\n_-\u00a0\u2028\u0130\u212a\u017f';

function randomText(r: () => number): string {
  let out = '';
  const parts = 5 + Math.floor(r() * 40);
  for (let i = 0; i < parts; i++) {
    let piece = FRAGMENTS[Math.floor(r() * FRAGMENTS.length)]!(r);
    const roll = r();
    if (roll < 0.15) piece = piece.toUpperCase();
    else if (roll < 0.3) piece = [...piece].map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
    else if (roll < 0.4) piece = piece.slice(0, Math.floor(r() * piece.length));
    out += piece;
    const glue = Math.floor(r() * 4);
    for (let k = 0; k < glue; k++) out += GLUE[Math.floor(r() * GLUE.length)];
  }
  return out;
}

function spans(d: Detector, text: string): Span[] {
  const out: Span[] = [];
  d.find(text, out);
  return out;
}

const DOMAINS = ['corp.example.com', 'Ex-Ample.org'];

test('every built-in detector finds exactly what its old version finds, on 3000 random texts', () => {
  const fresh = builtinDetectors();
  const old = referenceBuiltinDetectors();
  assert.deepEqual(
    fresh.map((d) => d.id),
    old.map((d) => d.id),
    'same rules, same priority',
  );
  const pairs: Array<[Detector, Detector]> = fresh.map((d, i) => [d, old[i]!]);
  pairs.push([siteHostDetector(DOMAINS)!, referenceSiteHostDetector(DOMAINS)!]);
  const r = prng(19);
  const fired = new Map<string, number>();
  for (let n = 0; n < 3000; n++) {
    const text = randomText(r);
    for (const [d, ref] of pairs) {
      const expected = spans(ref, text);
      assert.deepEqual(spans(d, text), expected, `${d.id} on text #${n}: ${JSON.stringify(text)}`);
      fired.set(d.id, (fired.get(d.id) ?? 0) + expected.length);
    }
  }
  // The texts exercise every rule (else equivalence would be vacuous for it).
  for (const [d] of pairs) assert.ok((fired.get(d.id) ?? 0) > 20, `${d.id} matched ${fired.get(d.id) ?? 0} times`);
  if (process.env.SHOW_FIRED) console.log(Object.fromEntries(fired));
});

test('the engine settles overlaps as before, reusing its scan between texts', () => {
  const redactor = createRedactor({ pseudonymKey: Buffer.alloc(32, 1), sitePatterns: [], siteDomains: DOMAINS }, { ruleSet: 'strict' });
  const old = [...referenceBuiltinDetectors(), referenceSiteHostDetector(DOMAINS)!];
  const r = prng(1919);
  for (let n = 0; n < 1000; n++) {
    const text = randomText(r) + randomText(r);
    // The old engine: rules in priority order, a span refused where an earlier hit took a character.
    const covered = new Uint8Array(text.length);
    const expected: Array<{ rule: string; start: number; end: number }> = [];
    for (const d of old) {
      for (const [start, end] of spans(d, text)) {
        if (covered.subarray(start, end).some((c) => c === 1)) continue;
        covered.fill(1, start, end);
        expected.push({ rule: d.id, start, end });
      }
    }
    expected.sort((a, b) => a.start - b.start);
    const got = redactor.redact(text).replacements.map(({ rule, start, end }) => ({ rule, start, end }));
    assert.deepEqual(got, expected, `text #${n}: ${JSON.stringify(text)}`);
  }
});

test('a site pattern started only where its certain prefix stands finds what the full scan finds', () => {
  const patterns = [
    'TCK-\\d{4,8}',
    'TCK-\\d+',
    'ab\\.c[0-9]+',
    'xy?z',
    'cust-[0-9]{6}',
    'ab|cd',
    'é+x',
    '\\.\\d+',
    'Q{2}w',
    'ab*c',
    'xxxxxxxy\\d',
    'abababaX\\d',
  ];
  const words = [
    'TCK-',
    'TCK-12345',
    'TTCK-1234',
    'ab.c1',
    'ab.c',
    'xz',
    'xyz',
    'xyyz',
    'cust-123456',
    'cd',
    'éx',
    'ééx',
    '.5',
    'QQw',
    'ac',
    'abbc',
    'xxxxxxxxy1',
    'xxxxxxxy',
    'xxxxxxx',
    'abababababaX2',
    'ababa',
    'baX3',
  ];
  const r = prng(7);
  for (const regex of patterns) {
    const re = compileSitePattern(regex);
    const prefix = certainPrefix(regex);
    const fast = sitePatternDetector('site:p', 'p', re, 1024, prefix);
    const full = sitePatternDetector('site:p', 'p', re, 1024);
    for (let n = 0; n < 300; n++) {
      let text = '';
      for (let k = 0; k < 20; k++) text += pick(r, words) + pick(r, ['', ' ', 'T', '1', '.', 'a', 'b']);
      assert.deepEqual(spans(fast, text), spans(full, text), `${regex} (prefix ${JSON.stringify(prefix)}) on ${JSON.stringify(text)}`);
    }
  }
  assert.equal(certainPrefix('TCK-\\d+'), 'TCK-');
  assert.equal(certainPrefix('ab|cd'), '', 'an alternative may start otherwise');
  assert.equal(certainPrefix('xy?z'), 'x');
});

test('exact values searched in groups that share an anchor are found as one indexOf per form finds them', () => {
  const r = prng(4242);
  const word = (n: number) => Array.from({ length: n }, () => pick(r, [...'aabQ=-\n'])).join('');
  for (let round = 0; round < 1500; round++) {
    // Forms inside other forms (a value's lines, an unpadded base64), and some unrelated.
    const base = word(4 + Math.floor(r() * 20));
    const forms = [base];
    for (let k = Math.floor(r() * 5); k > 0; k--) {
      const from = Math.floor(r() * base.length);
      forms.push(r() < 0.7 ? base.slice(from, from + 1 + Math.floor(r() * 10)) : word(1 + Math.floor(r() * 8)));
    }
    let text = '';
    for (let k = 0; k < 12; k++) text += r() < 0.5 ? pick(r, forms) : word(Math.floor(r() * 6));
    const found: Span[] = [];
    exactDetector('vault', forms)!.find(text, found);
    const expected: Span[] = [];
    const all = [...new Set(forms)].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
    for (const form of all) {
      if (all.some((g) => g.length < form.length && form.startsWith(g) && /^[=\s]*$/.test(form.slice(g.length)))) continue;
      for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + form.length)) expected.push([at, at + form.length]);
    }
    assert.deepEqual(found, expected, `round ${round}: ${JSON.stringify(forms)} in ${JSON.stringify(text)}`);
  }
});
