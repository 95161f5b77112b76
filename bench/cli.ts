/**
 * bench/cli: CLI latency through a running service (docs/service.md, "A fast CLI"), against a bare
 * `node -e 0` started in the same run, interleaved round by round so both see the same load.
 * Target (issue 16): `whoami` and `runs list` at most 3x the bare node start.
 *
 * The commands run the way a package runs them: bin/airgap-runner.mjs -> dist/cli.mjs (built here
 * first, unless --no-build), after `login`, so no password is typed and no scrypt runs. Where the
 * time goes is measured too: node's own start, loading the CLI's modules (dist/cli.mjs; the core
 * is a separate chunk it never loads here), and one request through the socket (connect, the
 * service's peer check, dispatch) measured from this process.
 *
 *   node --import tsx bench/cli.ts [--rounds 15] [--runs 200] [--no-build]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Core } from '../src/api/core';
import { dispatch } from '../src/api/dispatcher';
import { RunRecords } from '../src/runner';
import { servicePaths, WireClient } from '../src/kernel';
import { insertRun } from '../test/helpers/run-records';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROUNDS = arg('rounds', 15);
const RUNS = arg('runs', 200);
const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin', 'airgap-runner.mjs');
const PASSWORD = 'bench-password-123';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: root, env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  if (!args.includes('--no-build')) execFileSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: root, stdio: 'inherit' });
  const base = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  const home = join(base, 'home');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRGAP_RUNNER_HOME: home,
    AIRGAP_RUNNER_PASSWORD: PASSWORD,
    AIRGAP_RUNNER_USER: 'admin',
  };
  delete env.AIRGAP_RUNNER_DEBUG;

  // A store with an admin and some runs to list (written as the runner writes them).
  const seed = new Core({ home });
  await dispatch(seed, null, 'system.init', { adminName: 'admin', password: PASSWORD });
  const records = new RunRecords(seed.db);
  for (let i = 0; i < RUNS; i++) insertRun(records, `r-bench${String(i).padStart(5, '0')}`, new Date(Date.now() - i * 60_000));
  await seed.close();

  const service = spawn(process.execPath, [BIN, 'service'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  service.stderr.on('data', (d: Buffer) => (log += d.toString()));
  try {
    const end = Date.now() + 30_000;
    while (!/serving/.test(log)) {
      if (Date.now() > end || service.exitCode !== null) throw new Error(`the service did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const unsealMs = timed([BIN, 'service', 'unseal'], env);
    const loginMs = timed([BIN, 'login'], env);
    const clientEnv = { ...env };
    delete clientEnv.AIRGAP_RUNNER_PASSWORD;
    delete clientEnv.AIRGAP_RUNNER_USER;

    const samples = { node: [] as number[], load: [] as number[], whoami: [] as number[], runs: [] as number[], request: [] as number[] };
    const cliModule = join(root, 'dist', 'cli.mjs');
    for (let round = 0; round < ROUNDS; round++) {
      samples.node.push(timed(['-e', '0']));
      samples.load.push(timed(['--input-type=module', '-e', `await import(${JSON.stringify(cliModule)})`]));
      samples.whoami.push(timed([BIN, 'whoami'], clientEnv));
      samples.runs.push(timed([BIN, 'runs', 'list'], clientEnv));
      // One request as a fresh CLI makes it: connect (the service checks the peer), hello, call.
      const t = performance.now();
      const client = await WireClient.connect(servicePaths(home).socket);
      await client.call(null, 'system.status', {});
      samples.request.push(performance.now() - t);
      client.close();
    }
    // Today's path for comparison: no service, the CLI opens the store and signs in (scrypt).
    service.kill('SIGTERM');
    await new Promise((r) => service.once('close', r));
    const local = [0, 1, 2].map(() => timed([BIN, 'whoami'], env));

    const node = median(samples.node);
    const whoami = median(samples.whoami);
    const runs = median(samples.runs);
    const load = median(samples.load);
    const request = median(samples.request);
    const f = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
    console.log(`bench/cli: ${ROUNDS} rounds, medians; ${RUNS} runs in the store; node ${process.version}`);
    console.log(`  node -e 0 (baseline)              ${f(node)}`);
    console.log(`  whoami through the service        ${f(whoami)}   ratio ${(whoami / node).toFixed(2)}x (target <= 3x)`);
    console.log(`  runs list through the service     ${f(runs)}   ratio ${(runs / node).toFixed(2)}x (target <= 3x)`);
    console.log(`  where the time goes (whoami):`);
    console.log(`    node start                      ${f(node)}`);
    console.log(`    loading the CLI's modules       ${f(Math.max(0, load - node))}   (node + import of dist/cli.mjs: ${f(load)})`);
    console.log(`    one request through the socket  ${f(request)}   (connect, peer check with ss, hello, dispatch; from a warm process)`);
    console.log(`    the rest (parse, token, print)  ${f(Math.max(0, whoami - load - request))}`);
    console.log(`  whoami without a service (today's path: open the store, scrypt sign-in): ${f(median(local))}`);
    console.log(`  once: service unseal ${f(unsealMs)}, login ${f(loginMs)}`);
    const ok = whoami / node <= 3 && runs / node <= 3;
    console.log(ok ? 'bench/cli: within target' : 'bench/cli: OVER TARGET');
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (service.exitCode === null) service.kill('SIGTERM');
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
