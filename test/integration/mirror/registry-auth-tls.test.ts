/**
 * Basic auth (htpasswd), bearer tokens (auth: token) and TLS against real docker-registry instances.
 * htpasswd needs bcrypt: `htpasswd -B` (apache2-utils) when present, else python3's crypt module.
 * Certificates come from openssl: a throw-away CA and a server certificate for IP 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../src/kernel';
import { RegistrySource } from '../../../src/mirror';
import { buildImage, pushToRegistry } from '../../../src/oci';
import { bcryptHtpasswd, registryMissing, startRegistry, type TestRegistry } from './registry-fixture';
import { startTokenServer, type TokenServer } from './token-server';

const failed =
  (code: string, pattern?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.code === code && (!pattern || pattern.test(e.message));
const PASSWORD = 'correct horse 42';

describe('basic auth (htpasswd registry)', () => {
  let registry: TestRegistry | undefined;
  let skip: string | undefined;
  before(async () => {
    const hash = bcryptHtpasswd('reader', PASSWORD);
    if ('skip' in hash) {
      skip = hash.skip;
      return;
    }
    const started = await startRegistry({ htpasswd: hash.line });
    if ('skip' in started) skip = started.skip;
    else registry = started;
  });
  after(async () => {
    await registry?.stop();
  });

  test('anonymous is refused, a wrong password is refused without echoing it, the right one works', async (t) => {
    if (skip) return t.skip(skip);
    const reg = registry as TestRegistry;
    const image = await buildImage({ files: [{ path: '/a', content: 'auth' }], config: {} });
    await pushToRegistry(reg.baseUrl, 'secure/app', image, 'v1', { credentials: { username: 'reader', password: PASSWORD } });

    const anonymous = await RegistrySource.open(reg.url);
    t.after(() => anonymous.close());
    await assert.rejects(anonymous.resolve('secure/app', 'v1'), failed('UNAUTHENTICATED', /requires a user name and password/));

    const wrong = await RegistrySource.open(reg.url, { credentials: { username: 'reader', password: 'not-the-password' } });
    t.after(() => wrong.close());
    await assert.rejects(
      wrong.resolve('secure/app', 'v1'),
      (e: unknown) => failed('UNAUTHENTICATED', /refused the credentials/)(e) && !(e as Error).message.includes('not-the-password'),
    );

    const right = await RegistrySource.open(reg.url, { credentials: { username: 'reader', password: PASSWORD } });
    t.after(() => right.close());
    assert.equal((await right.resolve('secure/app', 'v1')).digest, image.manifestDigest);
    assert.deepEqual(await right.listRepositories(), ['secure/app']);
    assert.deepEqual(await right.listTags('secure/app'), ['v1']);
    const layer = image.layers[0];
    assert.ok(layer);
    const dir = mkdtempSync(join(tmpdir(), 'auth-blob-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await right.fetchBlobTo('secure/app', layer.digest, layer.size, join(dir, 'layer'));
  });
});

describe('TLS (registry with a site CA)', () => {
  let registry: TestRegistry | undefined;
  let skip: string | undefined;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mirror-tls-'));
    if (registryMissing()) {
      skip = registryMissing();
      return;
    }
    if (spawnSync('openssl', ['version']).error) {
      skip = 'openssl is not installed; TLS test skipped';
      return;
    }
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=airgap test site CA');
    ssl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=some other CA');
    ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    );
    const started = await startRegistry({ tls: { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') } });
    if ('skip' in started) skip = started.skip;
    else registry = started;
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the site CA file makes HTTPS work; without it, or marked insecure, the certificate is still checked', async (t) => {
    if (skip) return t.skip(skip);
    const reg = registry as TestRegistry;
    const trusted = await RegistrySource.open(reg.url, { caFile: join(dir, 'ca.pem') });
    t.after(() => trusted.close());
    assert.deepEqual(trusted.describe(), { kind: 'registry', location: reg.url, insecure: false, transport: 'https' });
    assert.deepEqual(await trusted.listRepositories(), []);

    // Loopback: HTTPS is tried first and a certificate failure is never downgraded to plain HTTP.
    await assert.rejects(RegistrySource.open(reg.url), failed('VERIFY_FAILED', /certificate of 127\.0\.0\.1:\d+ could not be verified/));
    await assert.rejects(RegistrySource.open(reg.url, { insecure: true }), failed('VERIFY_FAILED', /certificate/));
    const wrongCa = await RegistrySource.open(reg.url, { caFile: join(dir, 'other-ca.pem'), transport: 'https' });
    t.after(() => wrongCa.close());
    await assert.rejects(wrongCa.listRepositories(), failed('VERIFY_FAILED', /certificate/));
    await assert.rejects(RegistrySource.open(reg.url, { caFile: join(dir, 'missing.pem') }), failed('INVALID_INPUT', /CA file/));
  });

  test('a server offering only TLS 1.1 is refused, never downgraded to plain HTTP', async (t) => {
    if (skip) return t.skip(skip);
    const server = createTlsServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.pem')),
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT@SECLEVEL=0',
      },
      (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}'),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await assert.rejects(
      RegistrySource.open(`registry://127.0.0.1:${port}`, { caFile: join(dir, 'ca.pem') }),
      failed('VERIFY_FAILED', /older than 1\.2/),
    );
  });
});

describe('bearer token auth (registry with auth: token)', () => {
  let registry: TestRegistry | undefined;
  let tokens: TokenServer | undefined;
  let skip: string | undefined;
  let dir: string;
  let digest: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mirror-token-'));
    if (registryMissing() || spawnSync('openssl', ['version']).error) {
      skip = registryMissing() ?? 'openssl is not installed; token test skipped';
      return;
    }
    // Fill the storage through an open instance, then serve the same storage with token auth.
    const storageDir = join(dir, 'storage');
    const open = await startRegistry({ storageDir });
    if ('skip' in open) {
      skip = open.skip;
      return;
    }
    const image = await buildImage({ files: [{ path: '/t', content: 'token' }], config: {} });
    digest = image.manifestDigest;
    await pushToRegistry(open.baseUrl, 'tokened/app', image, 'v1');
    await open.stop();
    tokens = await startTokenServer(dir, { username: 'reader', password: PASSWORD });
    const started = await startRegistry({
      storageDir,
      token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile },
    });
    if ('skip' in started) skip = started.skip;
    else registry = started;
  });
  after(async () => {
    await registry?.stop();
    await tokens?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the WWW-Authenticate dance gets a token for the right scope; bad or no credentials are refused', async (t) => {
    if (skip) return t.skip(skip);
    const reg = registry as TestRegistry;
    const server = tokens as TokenServer;
    const source = await RegistrySource.open(reg.url, { credentials: { username: 'reader', password: PASSWORD } });
    t.after(() => source.close());
    assert.equal((await source.resolve('tokened/app', 'v1')).digest, digest);
    assert.deepEqual(await source.listTags('tokened/app'), ['v1']);
    assert.deepEqual(await source.listRepositories(), ['tokened/app']);
    assert.ok(
      server.requests.some((r) => r.includes('scope=repository%3Atokened%2Fapp%3Apull') && r.includes(`service=${server.service}`)),
    );
    assert.ok(server.requests.some((r) => r.includes('scope=registry%3Acatalog%3A*')));
    const before = server.requests.length;
    await source.resolve('tokened/app', digest);
    assert.equal(server.requests.length, before, 'the token is reused for the same scope');

    const wrong = await RegistrySource.open(reg.url, { credentials: { username: 'reader', password: 'nope-nope' } });
    t.after(() => wrong.close());
    await assert.rejects(
      wrong.resolve('tokened/app', 'v1'),
      (e: unknown) => failed('UNAUTHENTICATED', /refused the credentials/)(e) && !(e as Error).message.includes('nope-nope'),
    );
    const anonymous = await RegistrySource.open(reg.url);
    t.after(() => anonymous.close());
    await assert.rejects(anonymous.resolve('tokened/app', 'v1'), failed('UNAUTHENTICATED'));
  });
});
