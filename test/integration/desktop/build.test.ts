/**
 * The desktop app's bundles build on a machine without the Electron binary (the Electron suite,
 * which also builds them, is skipped there): the main process, the core's utility process and the
 * preload. Native modules must stay outside the bundles, as requires electron-builder resolves
 * from node_modules (scripts/build.mjs); esbuild fails on a `.node` file it meets, which once left
 * `npm run build` broken while every other suite passed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IMPORT_WORKER_ROLE } from '../../../src/bundles/import-worker';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('npm run build (main) bundles the main process, the core host, its import worker and the preload, with native modules left to node_modules', () => {
  const started = Date.now();
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'main'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(build.status, 0, `scripts/build.mjs main failed:\n${build.stderr}`);
  for (const file of ['main.cjs', 'core-host.cjs', 'preload.cjs', 'import-worker.cjs']) {
    const path = join(ROOT, 'dist', 'main', file);
    assert.ok(existsSync(path) && statSync(path).mtimeMs >= started - 1000, `${file} was written by this build`);
  }
  const coreHost = readFileSync(join(ROOT, 'dist', 'main', 'core-host.cjs'), 'utf8');
  for (const native of ['better-sqlite3-multiple-ciphers', 'dockerode', 'ssh2', 'pkcs11js']) {
    assert.match(coreHost, new RegExp(`require\\("${native}"\\)`), `${native} stays a require of node_modules`);
  }
  const importWorker = readFileSync(join(ROOT, 'dist', 'main', 'import-worker.cjs'), 'utf8');
  assert.match(importWorker, /require\("dockerode"\)/, 'the import worker loads the engine client from node_modules');
  const preload = readFileSync(join(ROOT, 'dist', 'main', 'preload.cjs'), 'utf8');
  const requires = [...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(requires)], ['electron'], 'a sandboxed preload may require only electron');
});

test('the built import worker starts as a worker thread and reports ready', async () => {
  const script = join(ROOT, 'dist', 'main', 'import-worker.cjs');
  if (!existsSync(script)) {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'main'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(build.status, 0, `scripts/build.mjs main failed:\n${build.stderr}`);
  }
  const worker = new Worker(script, { workerData: { role: IMPORT_WORKER_ROLE } });
  try {
    const first = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.deepEqual(first, { t: 'up', job: 0 });
  } finally {
    await worker.terminate();
  }
});
