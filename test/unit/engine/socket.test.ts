/** Engine socket rules: local unix sockets only; a remote DOCKER_HOST is refused before anything is sent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DockerodeEngine, demuxAttachStream, engineUnavailable, resolveEngineSocket } from '../../../src/engine';

const none = () => false;

test('DOCKER_HOST unix:///path is used as is', () => {
  const s = resolveEngineSocket({ env: { DOCKER_HOST: 'unix:///tmp/x/docker.sock' }, exists: none });
  assert.deepEqual(s, { path: '/tmp/x/docker.sock', url: 'unix:///tmp/x/docker.sock', from: 'DOCKER_HOST', tried: ['/tmp/x/docker.sock'] });
});

test('a remote or non-unix DOCKER_HOST is refused with a clear error that never echoes credentials', () => {
  for (const value of [
    'tcp://10.0.0.5:2375',
    'ssh://user@build-host',
    'https://engine.example:2376',
    'npipe:////./pipe/docker_engine',
    '10.0.0.5:2375',
    'tcp://alice:s3cret@10.0.0.5:2375',
  ]) {
    assert.throws(
      () => resolveEngineSocket({ env: { DOCKER_HOST: value }, exists: none }),
      (e: { code?: string; message?: string }) => {
        assert.equal(e.code, 'ENGINE_UNAVAILABLE', value);
        assert.match(e.message ?? '', /local engine through its unix socket/);
        assert.match(e.message ?? '', /bind mounts/);
        assert.ok(!(e.message ?? '').includes('s3cret'), e.message);
        return true;
      },
    );
  }
  assert.throws(() => DockerodeEngine.fromEnv({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }), { code: 'ENGINE_UNAVAILABLE' });
});

test('a relative unix path is refused', () => {
  assert.throws(() => resolveEngineSocket({ env: { DOCKER_HOST: 'unix://docker.sock' }, exists: none }), { code: 'ENGINE_UNAVAILABLE' });
  assert.throws(() => resolveEngineSocket({ env: {}, setting: 'run/docker.sock', exists: none }), { code: 'ENGINE_UNAVAILABLE' });
});

test('the engine.socket setting wins over DOCKER_HOST; a bare absolute path is accepted there', () => {
  const s = resolveEngineSocket({
    env: { DOCKER_HOST: 'unix:///var/run/docker.sock' },
    setting: '/run/user/1000/podman/podman.sock',
    exists: none,
  });
  assert.equal(s.path, '/run/user/1000/podman/podman.sock');
  assert.equal(s.from, 'setting');
  assert.throws(() => resolveEngineSocket({ env: {}, setting: 'tcp://h:1', exists: none }), /engine\.socket/);
});

test('defaults: Docker first, then rootless Podman, then rootful Podman; the first that exists wins', () => {
  const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
  const all = resolveEngineSocket({ env, exists: none, uid: 1000 });
  assert.equal(all.path, '/var/run/docker.sock');
  assert.deepEqual(all.tried, ['/var/run/docker.sock', '/run/user/1000/podman/podman.sock', '/run/podman/podman.sock']);
  const podman = resolveEngineSocket({ env, exists: (p) => p === '/run/user/1000/podman/podman.sock', uid: 1000 });
  assert.equal(podman.path, '/run/user/1000/podman/podman.sock');
  assert.equal(resolveEngineSocket({ env: {}, exists: none, uid: 42 }).tried[1], '/run/user/42/podman/podman.sock');
});

test('the unavailable message names every socket tried and says what to do', () => {
  const s = resolveEngineSocket({ env: {}, exists: none, uid: 1000 });
  const e = engineUnavailable(s, 'ENOENT');
  assert.equal(e.code, 'ENGINE_UNAVAILABLE');
  assert.match(
    e.message,
    /^No container engine answers at unix:\/\/\/var\/run\/docker\.sock \(nor at unix:\/\/\/run\/user\/1000\/podman\/podman\.sock, unix:\/\/\/run\/podman\/podman\.sock\)/,
  );
  assert.match(e.message, /start Docker or Podman, or set engine\.socket/);
});

test('attach stream demultiplexing: frames split across chunks, stdin frames dropped, garbage refused', async () => {
  const frame = (type: number, text: string) => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = type;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };
  const source = new PassThrough();
  const { stdout, stderr, closed } = demuxAttachStream(source);
  const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(0, 'ignored'), frame(1, 'world')]);
  for (let i = 0; i < all.length; i += 3) source.write(all.subarray(i, i + 3));
  source.end();
  const read = async (s: NodeJS.ReadableStream) => {
    const parts: Buffer[] = [];
    for await (const c of s as AsyncIterable<Buffer>) parts.push(c);
    return Buffer.concat(parts).toString();
  };
  assert.deepEqual(await Promise.all([read(stdout), read(stderr), closed]), ['hello world', 'oops', undefined]);

  const bad = new PassThrough();
  const d = demuxAttachStream(bad);
  bad.write(Buffer.from('plain tty output'));
  await assert.rejects(d.closed, /not multiplexed/);
  assert.equal(await read(d.stdout), '');
});

test('demux: a connection dropped after the caller stopped waiting (a node given up on) is no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const note = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', note);
  try {
    const source = new PassThrough();
    const d = demuxAttachStream(source);
    d.stdout.resume();
    d.stderr.resume();
    // As http does to a response whose socket closed mid-body; nobody awaits `closed`.
    source.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
    // A caller that does wait still sees why.
    await assert.rejects(d.closed, /aborted/);
  } finally {
    process.off('unhandledRejection', note);
  }
});

test('info: a rootless Podman is recognised; later calls only ping, and notice when the engine is gone', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'fake-engine-')), 'podman.sock');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = (req.url ?? '').replace(/^\/v[\d.]+/, '');
    seen.push(url);
    res.setHeader('content-type', 'application/json');
    if (url === '/version')
      res.end(
        JSON.stringify({
          Version: '4.9.3',
          ApiVersion: '1.41',
          Os: 'linux',
          Arch: 'arm64',
          Components: [{ Name: 'Podman Engine', Version: '4.9.3' }],
        }),
      );
    else if (url === '/info')
      res.end(
        JSON.stringify({ OSType: 'linux', Architecture: 'aarch64', SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] }),
      );
    else if (url === '/_ping') res.end('OK');
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const engine = DockerodeEngine.fromEnv({ DOCKER_HOST: `unix://${path}` });
  assert.deepEqual(await engine.info(), {
    name: 'Podman',
    version: '4.9.3',
    apiVersion: '1.41',
    rootless: true,
    os: 'linux',
    arch: 'arm64',
    socket: `unix://${path}`,
  });
  await engine.info();
  assert.deepEqual(seen.filter((u) => u !== '/_ping').sort(), ['/info', '/version'], 'version and info are read once');
  assert.ok(seen.includes('/_ping'), 'the second call pinged');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await assert.rejects(
    engine.info(),
    (e: { code?: string; message?: string }) => e.code === 'ENGINE_UNAVAILABLE' && (e.message ?? '').includes(path),
  );
});
