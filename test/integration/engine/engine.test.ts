/**
 * The ContainerEngine port against the real engines test/services.sh starts: dockerd on DOCKER_HOST
 * (everything: info, load, inspect, list, a hardened container with attach before start, networks)
 * and Podman on AIRGAP_TEST_PODMAN_HOST (a smoke subset: info, load, inspect, remove). Each test uses
 * a unique image (a random label value) and removes what it loaded, by id.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerodeEngine, type ContainerEngine, type ContainerSpec } from '../../../src/engine';
import { buildImage, imageBlobs, writeDockerSaveTar, type BuiltImage } from '../../../src/oci';

const BUSYBOX = process.env.AIRGAP_BUSYBOX ?? '/bin/busybox';
const LABEL = 'io.airgap-runner.test.engine';

let work: string;
let image: BuiltImage;
let tarPath: string;
const run = randomBytes(6).toString('hex');

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'engine-test-'));
  if (!existsSync(BUSYBOX)) return;
  image = await buildImage({
    files: [{ path: '/bin/busybox', sourcePath: BUSYBOX, mode: 0o755 }],
    symlinks: [
      { path: '/bin/sh', target: 'busybox' },
      { path: '/bin/echo', target: 'busybox' },
    ],
    layers: [
      {
        files: [{ path: '/codebundle/hello.sh', content: 'echo "out $GREETING"\necho "err line" >&2\nexit 3\n', mode: 0o755 }],
        directories: [{ path: '/tmp', mode: 0o1777 }],
      },
    ],
    config: { user: '65534:65534', env: ['PATH=/bin'], labels: { [LABEL]: run } },
  });
  tarPath = join(work, 'image.tar');
  await writeDockerSaveTar(tarPath, { configBytes: image.configBytes, layers: imageBlobs(image).slice(1) });
});

after(() => rmSync(work, { recursive: true, force: true }));

function hardened(imageId: string, labels: Record<string, string>): ContainerSpec {
  return {
    image: imageId,
    command: ['/bin/sh', '/codebundle/hello.sh'],
    env: { GREETING: 'from the test' },
    user: '65534:65534',
    workingDir: '/codebundle',
    labels,
    network: 'none',
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges:true'],
    tmpfs: { '/tmp': 'rw,noexec,nosuid,size=16m' },
    mounts: [],
    limits: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pids: 32, nofile: 1024, nproc: 256 },
    logDriver: 'none',
  };
}

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

async function loadAndInspect(engine: ContainerEngine): Promise<void> {
  const loaded = await engine.loadImage(tarPath);
  assert.ok(loaded.imageIds.includes(image.configDigest) || loaded.tags.length === 0, JSON.stringify(loaded));
  const details = await engine.inspectImage(image.configDigest);
  assert.ok(details, 'the loaded image is there');
  assert.equal(details.id, image.configDigest, 'image id = config digest');
  assert.equal(details.labels[LABEL], run);
  assert.equal(details.user, '65534:65534');
  assert.equal(details.architecture, 'amd64');
}

/** Streams the tar (as the import does); then the same tar cut short: the engine must keep nothing. */
async function streamedLoads(engine: ContainerEngine): Promise<void> {
  const whole = readFileSync(tarPath);
  async function* cut() {
    yield whole.subarray(0, whole.length - 4096);
    await new Promise((r) => setTimeout(r, 50));
    throw new Error('refused half-way');
  }
  await assert.rejects(engine.loadImage(Readable.from(cut())));
  assert.equal(await engine.inspectImage(image.configDigest), null, 'a cut stream loads nothing');
  await engine.loadImage(Readable.from([whole]));
  assert.equal((await engine.inspectImage(image.configDigest))?.id, image.configDigest);
  await engine.removeImage(image.configDigest);
}

describe('DockerodeEngine on dockerd (DOCKER_HOST)', () => {
  let engine: DockerodeEngine;
  before(() => {
    if (process.env.DOCKER_HOST) engine = DockerodeEngine.fromEnv({ DOCKER_HOST: process.env.DOCKER_HOST });
  });

  test('info: Docker, its version, API version, rootless flag and platform', async (t) => {
    if (!process.env.DOCKER_HOST) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
    const info = await engine.info();
    assert.equal(info.name, 'Docker');
    assert.match(info.version, /^\d+\.\d+/);
    assert.match(info.apiVersion, /^1\.\d+$/);
    assert.equal(typeof info.rootless, 'boolean');
    assert.equal(info.os, 'linux');
    assert.equal(info.arch, 'amd64');
    assert.equal(info.socket, process.env.DOCKER_HOST);
  });

  test('load a docker-save tar, inspect, list by label, run hardened with attach before start, remove', async (t) => {
    if (!process.env.DOCKER_HOST) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
    if (!existsSync(BUSYBOX)) return t.skip(`SKIP: ${BUSYBOX} missing`);
    t.after(async () => {
      for (const c of await engine.listContainers({ label: `${LABEL}=${run}` })) await engine.remove(c.id, { force: true });
      await engine.removeImage(image.configDigest, { force: true }).catch(() => undefined);
    });
    await loadAndInspect(engine);
    const listed = await engine.listImages({ label: `${LABEL}=${run}` });
    assert.deepEqual(
      listed.map((i) => i.id),
      [image.configDigest],
    );

    const id = await engine.createContainer(hardened(image.configDigest, { [LABEL]: run }));
    const streams = await engine.attach(id);
    const out = collect(streams.stdout);
    const err = collect(streams.stderr);
    await engine.start(id);
    const { exitCode } = await engine.wait(id);
    await streams.closed;
    assert.equal(exitCode, 3);
    assert.equal(await out, 'out from the test\n');
    assert.equal(await err, 'err line\n');
    const state = await engine.inspectContainer(id);
    assert.equal(state?.status, 'exited');
    assert.equal(state?.exitCode, 3);
    assert.equal(state?.labels[LABEL], run);
    const containers = await engine.listContainers({ label: `${LABEL}=${run}` });
    assert.deepEqual(
      containers.map((c) => c.id),
      [id],
    );
    assert.equal(containers[0]?.imageId, image.configDigest);
    await engine.remove(id);
    assert.equal(await engine.inspectContainer(id), null);

    // A container that never ends is killed.
    const sleeper = await engine.createContainer({
      ...hardened(image.configDigest, { [LABEL]: run }),
      command: ['/bin/busybox', 'sleep', '600'],
    });
    await engine.start(sleeper);
    await engine.kill(sleeper);
    assert.equal((await engine.wait(sleeper)).exitCode, 137);
    await engine.remove(sleeper, { force: true });

    await engine.removeImage(image.configDigest);
    assert.equal(await engine.inspectImage(image.configDigest), null);
    await assert.rejects(engine.removeImage(image.configDigest), { code: 'NOT_FOUND' });
  });

  test('a streamed tar loads the same; a stream cut before its end loads nothing', async (t) => {
    if (!process.env.DOCKER_HOST) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
    if (!existsSync(BUSYBOX)) return t.skip(`SKIP: ${BUSYBOX} missing`);
    t.after(() => engine.removeImage(image.configDigest, { force: true }).catch(() => undefined));
    await streamedLoads(engine);
  });

  test('a tar the engine cannot load is VERIFY_FAILED', async (t) => {
    if (!process.env.DOCKER_HOST) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
    const bad = join(work, 'bad.tar');
    await writeDockerSaveTar(bad, {
      configBytes: Buffer.from('{"rootfs":{"type":"layers","diff_ids":["sha256:' + '0'.repeat(64) + '"]}}'),
      layers: [{ digest: `sha256:${'1'.repeat(64)}`, size: 5, buffer: Buffer.from('hello') }],
    });
    await assert.rejects(engine.loadImage(bad), { code: 'VERIFY_FAILED' });
  });

  test('internal networks: create, list, remove', async (t) => {
    if (!process.env.DOCKER_HOST) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
    const name = `airgap-test-${run}`;
    const network = await engine.createNetwork({ name, internal: true, labels: { [LABEL]: run } });
    t.after(() => engine.removeNetwork(network.id).catch(() => undefined));
    assert.equal(network.name, name);
    assert.equal(network.internal, true);
    const listed = (await engine.listNetworks()).find((n) => n.name === name);
    assert.equal(listed?.internal, true);
    assert.equal(listed?.labels[LABEL], run);
    await engine.removeNetwork(network.id);
    assert.equal(
      (await engine.listNetworks()).some((n) => n.name === name),
      false,
    );
  });

  test('known facts: none before info(); the same after it; dropped once a request finds nothing answering', async (t) => {
    if (!process.env.DOCKER_HOST) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
    // A socket of ours in front of the real one, so the engine can stop answering mid-test.
    const real = process.env.DOCKER_HOST.replace(/^unix:\/\//, '');
    const path = join(work, 'relay.sock');
    const open = new Set<{ destroy(): void }>();
    const relay = createServer((client) => {
      const upstream = connect(real);
      open.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(path, resolve));
    const relayed = DockerodeEngine.fromEnv({ DOCKER_HOST: `unix://${path}` });
    assert.equal(relayed.knownInfo(), undefined, 'nothing known before info()');
    const info = await relayed.info();
    assert.deepEqual(await relayed.knownInfo(), info);
    assert.equal(await relayed.inspectImage('sha256:' + '0'.repeat(64)), null, 'it answers through the relay');
    assert.deepEqual(await relayed.knownInfo(), info, 'an answer keeps the facts');
    const closed = new Promise<void>((resolve) => relay.close(() => resolve()));
    for (const socket of open) socket.destroy();
    await closed;
    await assert.rejects(relayed.inspectImage('sha256:' + '0'.repeat(64)), (e: { code?: string }) => e.code === 'ENGINE_UNAVAILABLE');
    assert.equal(relayed.knownInfo(), undefined, 'an engine that stopped answering has its facts read again');
  });

  test('a socket where nothing answers is ENGINE_UNAVAILABLE naming it', async () => {
    const missing = join(work, 'nothing.sock');
    const dead = DockerodeEngine.fromEnv({ DOCKER_HOST: `unix://${missing}` });
    await assert.rejects(dead.info(), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, 'ENGINE_UNAVAILABLE');
      assert.ok(e.message?.includes(`unix://${missing}`), e.message);
      assert.match(e.message ?? '', /start Docker or Podman/);
      return true;
    });
  });
});

describe('DockerodeEngine on Podman (AIRGAP_TEST_PODMAN_HOST): smoke subset', () => {
  test('info, load (file and stream), inspect, remove', async (t) => {
    const host = process.env.AIRGAP_TEST_PODMAN_HOST;
    if (!host) return t.skip('SKIP: no AIRGAP_TEST_PODMAN_HOST (start test/services.sh --podman)');
    if (!existsSync(BUSYBOX)) return t.skip(`SKIP: ${BUSYBOX} missing`);
    const engine = DockerodeEngine.fromEnv({ DOCKER_HOST: host });
    t.after(() => engine.removeImage(image.configDigest, { force: true }).catch(() => undefined));
    const info = await engine.info();
    assert.equal(info.name, 'Podman');
    assert.match(info.version, /^\d+\.\d+/);
    assert.equal(info.arch, 'amd64');
    assert.equal(typeof info.rootless, 'boolean');
    await loadAndInspect(engine);
    await engine.removeImage(image.configDigest);
    assert.equal(await engine.inspectImage(image.configDigest), null);
    await streamedLoads(engine);
  });
});
