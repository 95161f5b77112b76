/**
 * Every network read has a deadline (issue 13, THREAT_MODEL.md "A slow or stalled mirror"). A proxy
 * on 127.0.0.1 in front of the real registry dribbles one answer (a byte every 300 ms, which no
 * silence timer ever notices) or holds it back: the import fails within the configured deadline with
 * an error naming the registry and what stalled, and leaves nothing staged, loaded or recorded. An
 * import folder left by a killed process is removed when the next core starts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Core } from '../../../src/api/core';
import type { TestRegistry } from '../mirror/registry-fixture';
import { tempDir } from '../../helpers/core';
import {
  assertNothingLeft,
  bundleImage,
  classicArtifact,
  closeWorkspace,
  importCore,
  openWorkspace,
  push,
  refused,
  TRUSTED_KEY,
  type ImportCore,
} from './fixture';

let work: string;
let registry: TestRegistry | undefined;
let skip: string | undefined;

before(async () => {
  ({ work, registry, skip } = await openWorkspace('import-stall-'));
});

after(() => closeWorkspace(registry, work));

type Mode = 'dribble' | 'silent-headers' | 'stop-after-first-byte';

/** Forwards to the registry; the requests `slow` picks get their answer dribbled or held back. */
async function slowProxy(target: string, slow: (path: string) => boolean, mode: Mode) {
  const [host, port] = target.split(':');
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } },
      (answer) => {
        if (!slow(req.url ?? '') || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        if (mode === 'silent-headers') return answer.resume(); // never answers
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(parts);
          res.writeHead(200, answer.headers);
          let at = 0;
          const tick = () => {
            if (res.destroyed || at >= body.length) return;
            res.write(body.subarray(at, at + 1));
            at++;
            if (mode === 'stop-after-first-byte') return;
            const timer = setTimeout(tick, 300);
            timers.add(timer);
          };
          tick();
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `registry://127.0.0.1:${own}`,
    authority: `127.0.0.1:${own}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

async function pushedBundle(c: ImportCore, reg: TestRegistry) {
  const built = await bundleImage();
  c.loaded.push(built.image.configDigest);
  const repo = `tests/${built.name}`;
  await push(reg, repo, built.image, '1.0.0');
  const sig = classicArtifact(built.image.manifestDigest, TRUSTED_KEY, `${reg.authority}/${repo}`);
  await push(reg, repo, sig.artifact, sig.tag);
  return { built, repo };
}

/** Sets mirror deadlines (seconds) as an admin would. */
async function deadlines(c: ImportCore, values: Record<string, number>) {
  for (const [key, value] of Object.entries(values)) await c.admin('settings.set', { key, value });
}

describe('a slow or stalled registry fails the import within its deadline, leaving nothing', () => {
  test('a manifest dribbled a byte every 300 ms: fails after mirror.manifestTimeoutSeconds', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const { built, repo } = await pushedBundle(c, registry);
    const proxy = await slowProxy(registry.authority, (path) => path === `/v2/${repo}/manifests/1.0.0`, 'dribble');
    t.after(() => proxy.close());
    await deadlines(c, { 'mirror.manifestTimeoutSeconds': 2, 'mirror.idleTimeoutSeconds': 5 });

    const started = Date.now();
    const message = await refused(c.op('bundles.import', { source: proxy.url, ref: `${repo}:1.0.0` }), 'NOT_FOUND');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1900 && elapsed < 5000, `failed after ${elapsed} ms (deadline 2 s)`);
    assert.match(message, new RegExp(`registry at ${proxy.authority.replace(/\./g, '\\.')}`));
    assert.match(message, new RegExp(`the manifest of ${repo}:1\\.0\\.0 did not arrive in full within 2 s`));
    assert.match(message, /mirror\.manifestTimeoutSeconds/);
    await assertNothingLeft(c, built.image, built.name, 'NOT_FOUND');
  });

  test('a layer dribbled a byte every 300 ms: fails after mirror.blobTimeoutSeconds, naming the blob', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const { built, repo } = await pushedBundle(c, registry);
    const layer = built.image.layers[0]!.digest;
    const proxy = await slowProxy(registry.authority, (path) => path === `/v2/${repo}/blobs/${layer}`, 'dribble');
    t.after(() => proxy.close());
    await deadlines(c, { 'mirror.blobTimeoutSeconds': 3, 'mirror.idleTimeoutSeconds': 5 });

    const started = Date.now();
    const message = await refused(c.op('bundles.import', { source: proxy.url, ref: `${repo}:1.0.0` }), 'NOT_FOUND');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 2900 && elapsed < 7000, `failed after ${elapsed} ms (deadline 3 s)`);
    assert.match(message, new RegExp(`the blob ${layer} of ${repo} did not arrive in full within 3 s`));
    assert.match(message, /mirror\.blobTimeoutSeconds/);
    await assertNothingLeft(c, built.image, built.name, 'NOT_FOUND');
  });

  test('no answer at all, and an answer that stops: header and silence deadlines', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const { built, repo } = await pushedBundle(c, registry);
    await deadlines(c, { 'mirror.headerTimeoutSeconds': 1, 'mirror.idleTimeoutSeconds': 1 });

    const silent = await slowProxy(registry.authority, (path) => path === `/v2/${repo}/manifests/1.0.0`, 'silent-headers');
    t.after(() => silent.close());
    let started = Date.now();
    let message = await refused(c.op('bundles.import', { source: silent.url, ref: `${repo}:1.0.0` }), 'NOT_FOUND');
    assert.ok(Date.now() - started < 4000, `failed after ${Date.now() - started} ms (deadline 1 s)`);
    assert.match(message, /sent no answer to the request for the manifest of .* within 1 s \(setting mirror\.headerTimeoutSeconds\)/);
    await assertNothingLeft(c, built.image, built.name, 'NOT_FOUND');

    const layer = built.image.layers[0]!.digest;
    const stops = await slowProxy(registry.authority, (path) => path === `/v2/${repo}/blobs/${layer}`, 'stop-after-first-byte');
    t.after(() => stops.close());
    started = Date.now();
    message = await refused(c.op('bundles.import', { source: stops.url, ref: `${repo}:1.0.0` }), 'NOT_FOUND');
    assert.ok(Date.now() - started < 5000, `failed after ${Date.now() - started} ms (silence deadline 1 s)`);
    assert.match(message, new RegExp(`stalled: the blob ${layer} of ${repo} stopped arriving \\(no data for 1 s\\)`));
    await assertNothingLeft(c, built.image, built.name, 'NOT_FOUND');
  });
});

test('an import folder left by a killed process is removed when the next core starts; a live one is kept', () => {
  const home = join(tempDir(), 'home');
  const staging = join(home, 'staging');
  // A pid that certainly ran and has ended.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const left = join(staging, `import-${dead}-AbC123`);
  const live = join(staging, `import-${process.ppid}-XyZ789`);
  for (const dir of [left, live]) {
    mkdirSync(join(dir, 'blobs'), { recursive: true });
    writeFileSync(join(dir, 'blobs', 'layer'), 'unencrypted layer bytes');
  }
  const core = new Core({ home });
  try {
    assert.equal(existsSync(left), false, 'the killed import left nothing after the next start');
    assert.equal(existsSync(live), true, 'a running import is not touched');
  } finally {
    void core.close();
  }
});
