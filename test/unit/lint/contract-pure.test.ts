/**
 * The contract is bundled into processes without the core: the renderer (a browser) and the
 * Electron main process. Bundled for the browser on its own, it must build, and hold nothing but
 * the contract, the kernel and the pure faces (model.ts) of the domains it names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('src/api/contract bundles for the browser, with no Node module and no module of the core behind it', async () => {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/api/contract/index.ts'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const ours = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('src/'));
  const allowed =
    /^src\/(api\/contract\/[\w-]+|api\/permissions|kernel\/[\w-]+|(identity|bundles|redact)\/model|identity\/roles|bundles\/policy|redact\/types)\.ts$/;
  assert.deepEqual(
    ours.filter((p) => !allowed.test(p)),
    [],
    'the contract reached past the pure faces',
  );
  const packages = Object.keys(result.metafile.inputs)
    .filter((p) => p.includes('node_modules/'))
    .map((p) => p.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1'));
  assert.deepEqual([...new Set(packages)], ['zod']);
});
