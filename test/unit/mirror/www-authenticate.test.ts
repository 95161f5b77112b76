import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNextLink, parseWwwAuthenticate } from '../../../src/mirror/www-authenticate';

test('Bearer challenge with quoted, comma-holding values', () => {
  assert.deepEqual(
    parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:samples/a:pull,push"'),
    [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:samples/a:pull,push' },
      },
    ],
  );
});

test('Basic challenge, several challenges, escapes and junk', () => {
  assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  assert.deepEqual(parseWwwAuthenticate('Basic realm="a\\"b", Bearer realm=x'), [
    { scheme: 'basic', params: { realm: 'a"b' } },
    { scheme: 'bearer', params: { realm: 'x' } },
  ]);
  assert.deepEqual(parseWwwAuthenticate(undefined), []);
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="unterminated'), [{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
});

test('Link header paging', () => {
  assert.equal(parseNextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
  assert.equal(parseNextLink('<a>; rel="prev", </v2/x/tags/list?n=1&last=t>; rel=next'), '/v2/x/tags/list?n=1&last=t');
  assert.equal(parseNextLink('<a>; rel="prev"'), undefined);
  assert.equal(parseNextLink(undefined), undefined);
});
