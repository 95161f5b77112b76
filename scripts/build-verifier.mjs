#!/usr/bin/env node
// Builds the standalone audit verifier: dist/airgap-audit-verify.mjs, one ES module that runs with
// plain `node` 20+ and imports nothing but node: builtins (no store, no native module, no package).
// Usage: node scripts/build-verifier.mjs [--out FILE]
import { build } from 'esbuild';
import { chmodSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outIndex = process.argv.indexOf('--out');
const outArg = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
const outfile = outArg ? (isAbsolute(outArg) ? outArg : join(process.cwd(), outArg)) : join(root, 'dist', 'airgap-audit-verify.mjs');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/audit/verifier-cli.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Everything is bundled; only node: builtins stay imports.
  external: ['node:*'],
  banner: { js: '#!/usr/bin/env node\n// Airgap Runner audit export verifier (standalone). See docs/audit-export.md.' },
  legalComments: 'inline',
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
});

// The verifier must stay dependency-free: fail the build if a package slipped into it.
const packages = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules'));
if (packages.length > 0) {
  console.error(`build-verifier: the verifier must not bundle packages, but it includes:\n  ${packages.join('\n  ')}`);
  process.exit(1);
}
const output = result.metafile.outputs[relative(root, outfile).split('\\').join('/')] ?? Object.values(result.metafile.outputs)[0];
const stray = (output?.imports ?? []).filter((i) => !i.path.startsWith('node:'));
if (stray.length > 0) {
  console.error(`build-verifier: non-builtin imports left in the output: ${stray.map((i) => i.path).join(', ')}`);
  process.exit(1);
}
chmodSync(outfile, 0o755);
console.log(`built ${relative(process.cwd(), outfile) || outfile} (${Math.round(statSync(outfile).size / 1024)} KiB)`);
