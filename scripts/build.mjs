#!/usr/bin/env node
// `npm run build`: bundles the Electron main process, the core's utility process and the preload
// (dist/main/*.cjs), the renderer (renderer/dist, via Vite) and the CLI (dist/cli.mjs).
// Usage: node scripts/build.mjs [main] [renderer] [cli]   (default: all)
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const wanted = new Set(process.argv.slice(2));
const want = (part) => wanted.size === 0 || wanted.has(part);

// Electron 38 ships Node 22; the CLI targets the Node 20 the project supports.
const common = { absWorkingDir: root, bundle: true, platform: 'node', sourcemap: false, legalComments: 'inline', logLevel: 'warning' };
// Native and engine modules stay in node_modules (rebuilt for Electron by electron-builder): the
// store's SQLite, the engine client, the SSH client of remote engines (its optional native crypto
// and cpu-features come with it) and the PKCS#11 binding. A native module esbuild meets while
// bundling fails the build (test/integration/desktop/build.test.ts).
const nativeExternal = ['electron', 'better-sqlite3-multiple-ciphers', 'dockerode', 'ssh2', 'pkcs11js'];

async function buildMain() {
  await Promise.all([
    build({
      ...common,
      entryPoints: ['main/main.ts'],
      outfile: 'dist/main/main.cjs',
      format: 'cjs',
      target: 'node22',
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: ['main/core-host.ts'],
      outfile: 'dist/main/core-host.cjs',
      format: 'cjs',
      target: 'node22',
      external: nativeExternal,
    }),
    // The import's worker thread (src/bundles/import-worker.ts), next to the core host that starts it.
    build({
      ...common,
      entryPoints: ['src/bundles/import-worker-entry.ts'],
      outfile: 'dist/main/import-worker.cjs',
      format: 'cjs',
      target: 'node22',
      external: nativeExternal,
    }),
    // A sandboxed preload can require only 'electron': everything else is bundled in.
    build({
      ...common,
      entryPoints: ['main/preload.ts'],
      outfile: 'dist/main/preload.cjs',
      format: 'cjs',
      target: 'node22',
      external: ['electron'],
    }),
  ]);
}

async function buildRenderer() {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

// Split into chunks: dist/cli.mjs holds the command table and the service client; the core
// (store, engine, schemas) is a chunk loaded only when no service answers (docs/service.md).
async function buildCli() {
  await build({
    ...common,
    entryPoints: { cli: 'src/cli/main.ts', 'import-worker': 'src/bundles/import-worker-entry.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'cli-chunks/[name]-[hash]',
    format: 'esm',
    target: 'node20',
    packages: 'external',
  });
}

const started = Date.now();
if (want('main')) await buildMain();
if (want('renderer')) await buildRenderer();
if (want('cli')) await buildCli();

// The standalone audit verifier, when its engineer has added a build step for it.
const verifier = join(root, 'scripts', 'build-verifier.mjs');
if (want('verifier') && existsSync(verifier)) {
  const result = spawnSync(process.execPath, [verifier], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
console.log(`built in ${Date.now() - started} ms`);
