#!/usr/bin/env node
// Runs the test suites with node's own test runner (TypeScript through tsx).
// Usage: node test/run.mjs [unit|integration|e2e ...] [--filter TEXT]
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const filterIndex = args.indexOf('--filter');
const filter = filterIndex >= 0 ? args[filterIndex + 1] : undefined;
const suites = args.filter((a, i) => !a.startsWith('--') && (filterIndex < 0 || i !== filterIndex + 1));
const chosen = suites.length > 0 ? suites : ['unit', 'integration', 'e2e'];

function walk(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(walk(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = chosen
  .flatMap((suite) => walk(join(root, 'test', suite)))
  .filter((f) => !filter || f.includes(filter))
  .sort()
  .map((f) => relative(root, f));

if (files.length === 0) {
  console.error(`no test files found for: ${chosen.join(', ')}`);
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, AIRGAP_RUNNER_TEST: '1' } },
);
process.exit(result.status ?? 1);
