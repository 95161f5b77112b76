#!/usr/bin/env node
// Runs the test suites with node's own test runner (TypeScript through tsx).
// Usage: node test/run.mjs [unit|integration|e2e ...] [--filter TEXT]
// Node 20's --test does not expand globs, so the files are listed here.
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
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

// Integration and e2e suites talk to a real engine and registry. When none is given (DOCKER_HOST)
// and we may start them (root, Debian's dockerd installed), start private ones for this run.
const env = { ...process.env, AIRGAP_RUNNER_TEST: '1' };
const wantsServices = chosen.some((s) => s === 'integration' || s === 'e2e');
if (wantsServices && !env.DOCKER_HOST && env.AIRGAP_TEST_SERVICES !== 'off') {
  if (process.getuid?.() === 0 && existsSync('/usr/sbin/dockerd')) {
    // A state dir of its own, so a run never reuses (and then stops) services someone else started.
    env.AIRGAP_SERVICES_DIR = mkdtempSync('/tmp/agr-run-');
    // The identity services (SAML IdP, slapd) only where their Debian packages are installed
    // (scripts/setup-debian.sh); without them the identity tests say they skip.
    const identity = existsSync('/usr/share/simplesamlphp/www') && existsSync('/usr/sbin/slapd');
    const what = identity
      ? 'dockerd, registry, podman service, SAML IdP and slapd'
      : 'dockerd, registry and podman service (no identity services: simplesamlphp/slapd not installed)';
    const options = ['--podman', '--remote', ...(identity ? ['--identity'] : [])];
    console.error(
      `test/run.mjs: starting a private ${what}, and remote test nodes, in ${env.AIRGAP_SERVICES_DIR} (test/services.sh ${options.join(' ')})`,
    );
    const r = spawnSync('bash', ['test/services.sh', 'start', ...options], {
      cwd: root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status === 0) {
      for (const m of r.stdout.matchAll(/^export ([A-Z][A-Z0-9_]*)=(.*)$/gm)) env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
    } else {
      console.error('test/run.mjs: could not start the services; tests that need them will say they skip');
    }
  } else {
    console.error(
      'test/run.mjs: no DOCKER_HOST and cannot start services (needs root and Debian docker.io); tests that need them will say they skip',
    );
  }
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env },
);
if (env.AIRGAP_SERVICES_DIR && env.AIRGAP_SERVICES_DIR.startsWith('/tmp/agr-run-')) {
  spawnSync('bash', ['test/services.sh', 'clean'], { cwd: root, env, stdio: 'ignore' });
}
process.exit(result.status ?? 1);
