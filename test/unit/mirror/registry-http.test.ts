/**
 * RegistrySource against small stub servers on 127.0.0.1 for what a real registry will not do on
 * demand: oversized manifests, lying digests, cross-origin redirects, token auth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../src/kernel';
import { RegistrySource } from '../../../src/mirror';
import { sha256Digest } from '../../../src/oci';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; authority: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, authority: `127.0.0.1:${port}` };
}

const manifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }),
);
const failed =
  (code: string, pattern?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.code === code && (!pattern || pattern.test(e.message));

test('manifest size cap: refused by Content-Length and while streaming (chunked)', async (t) => {
  const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
  const { server, authority } = await serve((req, res) => {
    if (req.url?.endsWith('/sized')) res.writeHead(200, { 'content-length': big.length }).end(big);
    else if (req.url?.endsWith('/chunked')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      for (let i = 0; i < 5; i++) res.write(big.subarray(0, 1024 * 1024));
      res.end();
    } else res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
  });
  t.after(() => server.close());
  const source = await RegistrySource.open(`registry://${authority}`, { transport: 'http' });
  t.after(() => source.close());
  await assert.rejects(source.resolve('a', 'sized'), failed('VERIFY_FAILED', /larger than 4194304 bytes/));
  await assert.rejects(source.resolve('a', 'chunked'), failed('VERIFY_FAILED', /larger than/));
  const small = await RegistrySource.open(`registry://${authority}`, { transport: 'http', manifestMaxBytes: 10 });
  await assert.rejects(small.resolve('a', 'ok'), failed('VERIFY_FAILED', /larger than 10 bytes/));
  await small.close();
  const ok = await source.resolve('a', 'ok');
  assert.equal(ok.digest, sha256Digest(manifest));
  assert.equal(ok.mediaType, 'application/vnd.oci.image.manifest.v1+json');
});

test('a manifest fetched by digest must match it; by tag its digest is computed', async (t) => {
  const { server, authority } = await serve((_req, res) =>
    res.writeHead(200, { 'docker-content-digest': `sha256:${'0'.repeat(64)}` }).end(manifest),
  );
  t.after(() => server.close());
  const source = await RegistrySource.open(`registry://${authority}`, { transport: 'http' });
  t.after(() => source.close());
  await assert.rejects(source.resolve('a', `sha256:${'1'.repeat(64)}`), failed('VERIFY_FAILED', /does not match/));
  assert.equal((await source.resolve('a', 'v1')).digest, sha256Digest(manifest));
  assert.equal((await source.resolve('a', sha256Digest(manifest))).digest, sha256Digest(manifest));
});

test('blob: a server sending more than declared is cut off; the partial file is removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'blob-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { server, authority } = await serve((_req, res) => {
    res.writeHead(200); // chunked, no Content-Length: the size check has to happen while streaming
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    const pump = (): void => {
      while (sent < 200 && res.write(chunk)) sent++;
      if (sent < 200) res.once('drain', pump);
      else res.end();
    };
    pump();
  });
  t.after(() => server.close());
  const source = await RegistrySource.open(`registry://${authority}`, { transport: 'http' });
  t.after(() => source.close());
  const dest = join(dir, 'blob');
  await assert.rejects(
    source.fetchBlobTo('a', `sha256:${'2'.repeat(64)}`, 1000, dest),
    failed('VERIFY_FAILED', /larger than the 1000 bytes/),
  );
  assert.equal(existsSync(dest), false);
});

test('redirects: Authorization never follows to another origin', async (t) => {
  const seen: (string | undefined)[] = [];
  const other = await serve((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-length': manifest.length }).end(manifest);
  });
  t.after(() => other.server.close());
  const main = await serve((req, res) => {
    if (!req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      return;
    }
    res.writeHead(307, { location: `http://${other.authority}/elsewhere` }).end();
  });
  t.after(() => main.server.close());
  const source = await RegistrySource.open(`registry://${main.authority}`, {
    transport: 'http',
    credentials: { username: 'u', password: 'p' },
  });
  t.after(() => source.close());
  await source.resolve('a', 'v1');
  assert.deepEqual(seen, [undefined]);
});

test('bearer token dance: realm, service and scope; credentials go to the realm; refusal names no secret', async (t) => {
  const tokenRequests: string[] = [];
  const auth = await serve((req, res) => {
    tokenRequests.push(`${req.url} ${req.headers.authorization ?? '-'}`);
    if (req.headers.authorization !== `Basic ${Buffer.from('reader:s3cret-pw').toString('base64')}`) res.writeHead(401).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123', expires_in: 300 }));
  });
  t.after(() => auth.server.close());
  const registry = await serve((req, res) => {
    if (req.headers.authorization !== 'Bearer tok-123') {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${auth.authority}/token",service="reg.test",scope="repository:samples/a:pull"`,
        })
        .end();
    } else res.writeHead(200).end(manifest);
  });
  t.after(() => registry.server.close());

  const good = await RegistrySource.open(`registry://${registry.authority}`, {
    transport: 'http',
    credentials: { username: 'reader', password: 's3cret-pw' },
  });
  t.after(() => good.close());
  await good.resolve('samples/a', 'v1');
  await good.resolve('samples/a', 'v2'); // cached token: no second token request
  assert.equal(tokenRequests.length, 1);
  assert.match(tokenRequests[0] ?? '', /^\/token\?service=reg\.test&scope=repository%3Asamples%2Fa%3Apull Basic /);

  const bad = await RegistrySource.open(`registry://${registry.authority}`, {
    transport: 'http',
    credentials: { username: 'reader', password: 'wrong-pw' },
  });
  t.after(() => bad.close());
  await assert.rejects(
    bad.resolve('samples/a', 'v1'),
    (e: unknown) => failed('UNAUTHENTICATED', /refused the credentials/)(e) && !(e as Error).message.includes('wrong-pw'),
  );
  const anonymous = await RegistrySource.open(`registry://${registry.authority}`, { transport: 'http' });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.resolve('samples/a', 'v1'), failed('UNAUTHENTICATED'));
});

test('garbage listings and referrers are VERIFY_FAILED or empty, never a crash', async (t) => {
  const { server, authority } = await serve((req, res) => {
    if (req.url?.startsWith('/v2/_catalog')) res.writeHead(200).end('<html>not json</html>');
    else if (req.url?.includes('/referrers/')) res.writeHead(200).end('{"manifests": "nope"}');
    else res.writeHead(404).end();
  });
  t.after(() => server.close());
  const source = await RegistrySource.open(`registry://${authority}`, { transport: 'http' });
  t.after(() => source.close());
  await assert.rejects(source.listRepositories(), failed('VERIFY_FAILED', /not JSON/));
  await assert.rejects(source.listReferrers('a', `sha256:${'3'.repeat(64)}`), failed('VERIFY_FAILED', /invalid referrers list/));
});
