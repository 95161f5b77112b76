import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { isLoopbackHost, parseImageRef, parseRegistryUrl, parseSourceSpec, RegistrySource } from '../../../src/mirror';
import { HttpClient } from '../../../src/mirror/http-client';
import { splitRefName } from '../../../src/mirror/names';

const invalid = (e: unknown): boolean => e instanceof ApiError && e.code === 'INVALID_INPUT';

test('registry:// URLs: host, port, prefix', () => {
  assert.deepEqual(parseRegistryUrl('registry://mirror.dc1.example:5000/codebundles/team'), {
    host: 'mirror.dc1.example',
    port: 5000,
    prefix: 'codebundles/team',
    authority: 'mirror.dc1.example:5000',
  });
  assert.deepEqual(parseRegistryUrl('registry://127.0.0.1:5000'), {
    host: '127.0.0.1',
    port: 5000,
    prefix: '',
    authority: '127.0.0.1:5000',
  });
  assert.equal(parseRegistryUrl('registry://[::1]:5000/').authority, '[::1]:5000');
  assert.equal(parseRegistryUrl('registry://Mirror.Example').authority, 'mirror.example');
});

test('registry:// URLs refuse credentials, queries, bad prefixes and other schemes', () => {
  for (const bad of [
    'registry://user:secret@mirror.example:5000',
    'registry://mirror.example:5000/x?y=1',
    'registry://mirror.example:5000/x#frag',
    'registry://mirror.example:5000/UPPER',
    'registry://mirror.example:5000/a/../b',
    'registry://mirror.example:99999',
    'https://mirror.example',
    'registry://',
  ]) {
    assert.throws(() => parseRegistryUrl(bad), invalid, bad);
  }
  try {
    parseRegistryUrl('registry://user:secret@mirror.example');
  } catch (error) {
    assert.ok(!(error as Error).message.includes('secret'), 'the password must not be echoed');
  }
});

test('source forms', () => {
  assert.equal(parseSourceSpec('oci:/media/usb/mirror').kind, 'oci-layout');
  assert.deepEqual(parseSourceSpec('archive:/media/usb/bundles.tar'), { kind: 'archive', file: '/media/usb/bundles.tar' });
  assert.equal(parseSourceSpec('registry://h:1').kind, 'registry');
  assert.throws(() => parseSourceSpec('ftp://x'), invalid);
  assert.throws(() => parseSourceSpec('oci:'), invalid);
});

test('loopback detection', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1', 'LOCALHOST']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['10.0.0.1', '192.168.1.10', 'mirror.example', '128.0.0.1', 'localhost.example.com', '[::2]', '0.0.0.0'])
    assert.equal(isLoopbackHost(host), false, host);
});

test('image references and layout ref names', () => {
  assert.deepEqual(parseImageRef('samples/host-health:1.0.0'), { repository: 'samples/host-health', reference: '1.0.0' });
  const digest = `sha256:${'b'.repeat(64)}`;
  assert.deepEqual(parseImageRef(`samples/x@${digest}`), { repository: 'samples/x', reference: digest });
  for (const bad of ['samples/x', 'Samples/x:1', 'x:../1', `x@sha256:${'B'.repeat(64)}`, '../x:1', 'x/:1'])
    assert.throws(() => parseImageRef(bad), invalid, bad);
  assert.deepEqual(splitRefName('samples/a:1.0'), { repository: 'samples/a', tag: '1.0' });
  assert.deepEqual(splitRefName('latest'), { repository: 'default', tag: 'latest' });
  assert.deepEqual(splitRefName('127.0.0.1:5000/samples/a:v1'), undefined);
  assert.equal(splitRefName('bad name'), undefined);
});

test('plain HTTP is refused for a non-loopback host unless the source is marked insecure', async () => {
  await assert.rejects(
    RegistrySource.open('registry://mirror.example:5000', { transport: 'http' }),
    (e: unknown) => invalid(e) && /loopback/.test((e as Error).message),
  );
  const client = new HttpClient({ allowPlainHttp: (url) => isLoopbackHost(url.hostname) });
  try {
    // Refused before any connection is attempted: the address does not even need to exist.
    await assert.rejects(
      client.request('GET', new URL('http://mirror.example:5000/v2/')),
      (e: unknown) => invalid(e) && /plain HTTP/.test((e as Error).message),
    );
    await assert.rejects(client.request('GET', new URL('ftp://mirror.example/')), invalid);
  } finally {
    client.close();
  }
});

test('describe() reports plain HTTP as insecure', async () => {
  const source = await RegistrySource.open('registry://127.0.0.1:9', { transport: 'http' });
  assert.deepEqual(source.describe(), { kind: 'registry', location: 'registry://127.0.0.1:9', insecure: true, transport: 'http' });
  await source.close();
  const marked = await RegistrySource.open('registry://mirror.example:5000', { transport: 'http', insecure: true });
  assert.equal(marked.describe().insecure, true);
  await marked.close();
  const tls = await RegistrySource.open('registry://mirror.example:5000', { transport: 'https' });
  assert.deepEqual(tls.describe(), { kind: 'registry', location: 'registry://mirror.example:5000', insecure: false, transport: 'https' });
  await tls.close();
});
