/**
 * bench/run: the runner against plain `docker run`, same engine, same image, same command, same run.
 *  (a) N trivial tasks one after another through the runner, in one signed-in process (sign-in is
 *      deliberately slow and not measured), taking turns with N BARE engine-API sequences (create,
 *      attach, start, wait, remove through dockerode, with the runner's hardening: read-only root,
 *      CapDrop ALL, no-new-privileges, the default seccomp profile, the limits, tmpfs /tmp, network
 *      none, log driver none, labels, the same image by id and the same command and user) and N bare
 *      sequences with an output folder bind-mounted as the runner mounts each run's (the one engine
 *      cost the runner has that the bare sequence has not), the three in every order in turn (each
 *      follows each equally often over six rounds: keep N a multiple of 6); then N `docker run --rm
 *      --network none` in a block of their own (a second reference; the CLI itself is slow, and the
 *      run after it was slower). Median per-run time, runner / bare. Target (issue 19) <= 1.05. Also
 *      the median of paired ratios (each runner run / the bare run of its round), this process's CPU
 *      per run, and a probe with the store's fsyncs off. Prints where the runner's time goes (the
 *      engine calls, timed by wrapping the engine's methods in this process; the store's
 *      transactions, each one WAL fsync; the rest) and the 1-minute load average.
 *  (b) P tasks at once through the runner (runner.concurrency = P) against P parallel `docker run`:
 *      wall time, median of R rounds, runner / docker. Target <= 1.3.
 *  (c) with --nodes (issue 17's "bench/run (b)"): N runs of a task that reads a vault secret and
 *      writes an issue, spread in turn over this workstation's engine and the two SSH nodes of
 *      `test/services.sh start --remote` (Docker over SSH, Podman over SSH), one after another and
 *      interleaved with N local `docker run` of the same image and command with the same hardening
 *      (read-only root, CapDrop ALL, no-new-privileges, the limits, tmpfs /tmp, log driver none, the
 *      secret on a read-only tmpfs bind mount, an output folder). Prints the median per target, the
 *      ratio to the local `docker run`, and where the time goes per target: the SSH dial, the engine's
 *      facts, the sweep, the image check (and load), the secrets' archive copy into per-run tmpfs
 *      volumes, create/start/wait, the read-back of the output, the cleanup, and the rest (the
 *      record, audit events and fsyncs, the queue). The phases are timed by wrapping the engine
 *      methods and the node's run-space steps in this process only.
 * The runner's time is start-to-settled: checks, record, container (hardened, attached before start),
 * results, cleanup, and the settled record with its audit events, all fsync'ed.
 *
 *   DOCKER_HOST=unix:///… node --import tsx bench/run.ts [--runs 30] [--parallel 16] [--rounds 3]
 *   source /tmp/services.env; node --import tsx bench/run.ts --nodes [--runs 30]
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Core } from '../src/api/core';
import { dispatch } from '../src/api/dispatcher';
import type { OpName, OpOutput } from '../src/api/contract';
import { DockerodeEngine } from '../src/engine';
import { fixtureBundleDir, mirrorOf } from '../test/integration/runner/fixture';
import { benchNodes } from './run-nodes';
import { bareReport, bareRun, instrumentLocal, phaseReport, timePhases } from './run-bare';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = arg('runs', 30);
/** (a)'s orders of the runner (0), the bare sequence (1) and the bare sequence with the mount (2): each pair in each order twice within a cycle, and once across its joins. */
const ORDERS = [
  [0, 1, 2],
  [1, 2, 0],
  [2, 0, 1],
  [0, 2, 1],
  [2, 1, 0],
  [1, 0, 2],
];
const PARALLEL = arg('parallel', 16);
const ROUNDS = arg('rounds', 3);
const NODES = args.includes('--nodes');
const root = fileURLToPath(new URL('..', import.meta.url));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function dockerRun(image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', image, '-c', 'echo ok'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && out === 'ok\n' ? resolve() : reject(new Error(`docker run exited ${code}: ${out}`))));
  });
}

type Call = <N extends OpName>(name: N, input: unknown) => Promise<OpOutput<N>>;

/** A signed-in store on the local engine with the fixture bundle imported; `op` and `admin` call the core. */
export interface BenchCore {
  core: Core;
  engine: DockerodeEngine;
  bundle: string;
  imageId: string;
  op: Call;
  admin: Call;
}

async function main(): Promise<void> {
  if (!process.env.DOCKER_HOST) throw new Error('Set DOCKER_HOST to a local engine socket (eval "$(test/services.sh start)").');
  const home = join(mkdtempSync(join(tmpdir(), 'bench-run-')), 'home');
  const engine = DockerodeEngine.fromEnv({ DOCKER_HOST: process.env.DOCKER_HOST });
  const core = new Core({ home, engine });
  let tag: string | undefined;
  try {
    const adminPw = 'bench-admin-password-1';
    await dispatch(core, null, 'system.init', { adminName: 'admin', password: adminPw });
    const admin = (await dispatch(core, null, 'auth.signIn', { name: 'admin', password: adminPw })).sessionId;
    await dispatch(core, admin, 'trust.addKey', {
      pem: readFileSync(join(root, 'samples', 'keys', 'cosign.pub'), 'utf8'),
      comment: 'sample key',
    });
    await dispatch(core, admin, 'users.add', { name: 'op', roles: ['operator'], password: 'bench-operator-first-1' });
    let op = (await dispatch(core, null, 'auth.signIn', { name: 'op', password: 'bench-operator-first-1' })).sessionId;
    await dispatch(core, op, 'auth.changePassword', { currentPassword: 'bench-operator-first-1', newPassword: 'bench-operator-pass-12' });
    op = (await dispatch(core, null, 'auth.signIn', { name: 'op', password: 'bench-operator-pass-12' })).sessionId;
    await dispatch(core, admin, 'settings.set', { key: 'runner.concurrency', value: Math.max(PARALLEL, 1) });
    const name = `bench-${process.pid}`;
    const mirror = await mirrorOf([fixtureBundleDir(name, 'benchnet')]);
    const imported = await dispatch(core, op, 'bundles.import', { source: mirror.source, ref: mirror.refs.get(name)! });
    const image = imported.bundle.imageId;
    tag = (core.store.db.prepare('SELECT engine_tag FROM bundles WHERE name = ?').get(name) as { engine_tag: string }).engine_tag;
    if (NODES) {
      const call =
        (session: string): Call =>
        (n, input) =>
          dispatch(core, session, n, input);
      await benchNodes({ core, engine, bundle: name, imageId: image, op: call(op), admin: call(admin) }, RUNS);
      return;
    }

    const runOnce = async (): Promise<void> => {
      const { id } = await dispatch(core, op, 'runs.start', { bundle: name, task: 'quick' });
      const run = await core.runner.current()!.waitFor(id);
      if (run.outcome !== 'succeeded') throw new Error(`run ${id}: ${run.outcome} ${run.error ?? ''}`);
    };
    /** This process's CPU time (user + system) per timed work, by label. */
    const cpu = new Map<string, number[]>();
    const timed = async (work: () => Promise<void>, label?: string): Promise<number> => {
      const c = process.cpuUsage();
      const t = performance.now();
      await work();
      const wall = performance.now() - t;
      if (label) {
        const used = process.cpuUsage(c);
        cpu.set(label, [...(cpu.get(label) ?? []), (used.user + used.system) / 1000]);
      }
      return wall;
    };

    // The fixture's quick task: `/bin/sh -c 'echo ok'` with cpu 0.5, 64 MiB, 32 pids.
    const bare = () => bareRun(engine.socket.path, image, { memoryMiB: 64, cpu: 0.5, pids: 32 });
    // The same with an output folder bind-mounted as the runner mounts each run's: made in the timed
    // part (the runner makes one per run), removed after it (the runner removes its own off the event
    // loop while the engine removes the container, so removing it here would count against this side).
    const scratch = mkdtempSync(join(tmpdir(), 'bench-run-bare-'));
    let n = 0;
    const bareMounted = async () => {
      const dir = join(scratch, String(n++));
      mkdirSync(join(dir, 'output'), { recursive: true, mode: 0o700 });
      chmodSync(join(dir, 'output'), 0o777);
      await bareRun(engine.socket.path, image, { memoryMiB: 64, cpu: 0.5, pids: 32 }, join(dir, 'output'));
    };
    for (let i = 0; i < 3; i++) {
      await runOnce();
      await bare();
      await bareMounted();
      await dockerRun(image);
    }

    instrumentLocal(core);
    const loadBefore = loadavg();
    const runner: number[] = [];
    const bareTimes: number[] = [];
    const docker: number[] = [];
    const mounted: number[] = [];
    // The runner, the bare sequence and the bare sequence with the mount take turns in each of the
    // six orders in turn, so that over six rounds each follows each of the others equally often:
    // what one run leaves the engine to finish (or this process to collect) falls on all three alike.
    const sides = [
      async () => void runner.push(await timePhases(() => timed(runOnce, 'runner'))),
      async () => void bareTimes.push(await timed(bare, 'bare')),
      async () => {
        mounted.push(await timed(bareMounted));
        rmSync(join(scratch, String(n - 1)), { recursive: true, force: true });
      },
    ];
    for (let i = 0; i < RUNS; i++) for (const side of ORDERS[i % ORDERS.length]!) await sides[side]!();
    // `docker run` in a block of its own: the run after its CLI process ended was slower, and took
    // this process about 10 ms more CPU, than the same run after a bare run (measured in one process).
    for (let i = 0; i < RUNS; i++) docker.push(await timed(() => dockerRun(image)));
    const loadAfter = loadavg();
    rmSync(scratch, { recursive: true, force: true });
    const ratioA = median(runner) / median(bareTimes);
    // The same again with the store's fsyncs off (this probe only, after the measured runs): what they cost.
    const db = core.store.db;
    db.pragma('synchronous = OFF');
    const runnerNoSync: number[] = [];
    const bareNoSync: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        // Each first in turn.
        if (i % 2 === 0) runnerNoSync.push(await timed(runOnce));
        bareNoSync.push(await timed(bare));
        if (i % 2 === 1) runnerNoSync.push(await timed(runOnce));
      }
    } finally {
      db.pragma('synchronous = FULL');
    }
    const ratioNoSync = median(runnerNoSync) / median(bareNoSync);
    const ratioDocker = median(runner) / median(docker);

    const runnerWall: number[] = [];
    const dockerWall: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      runnerWall.push(await timed(async () => void (await Promise.all(Array.from({ length: PARALLEL }, runOnce)))));
      dockerWall.push(await timed(async () => void (await Promise.all(Array.from({ length: PARALLEL }, () => dockerRun(image))))));
    }
    const ratioB = median(runnerWall) / median(dockerWall);

    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const info = await engine.info();
    console.log(`engine: ${info.name} ${info.version} (API ${info.apiVersion}) at ${info.socket}`);
    const span = (v: number[]) => `median ${ms(median(v))} (min ${ms(Math.min(...v))}, max ${ms(Math.max(...v))})`;
    console.log(
      `(a) ${RUNS} runs one after another of the runner, the bare engine API and the bare with the output mount, in turn in every order; then ${RUNS} docker run`,
    );
    console.log(
      `    load average (1, 5, 15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(', ')}; after ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`,
    );
    console.log(`    runner ${span(runner)}; bare engine API ${span(bareTimes)}; docker run ${span(docker)}`);
    console.log(`    ratio runner/bare = ${ratioA.toFixed(3)} (target <= 1.05) ${ratioA <= 1.05 ? 'OK' : 'OVER'}`);
    // Each runner run against the bare run of the same round (same minute, same load): steadier under load.
    const paired = median(runner.map((r, i) => r / bareTimes[i]!));
    console.log(`    median of paired ratios (each runner run / the bare run of its round) = ${paired.toFixed(3)}`);
    console.log(`    ratio runner/docker run = ${ratioDocker.toFixed(3)} (second reference)`);
    console.log(
      `    bare + the output folder bind-mounted as the runner does: ${span(mounted)}; ratio runner/that = ${(median(runner) / median(mounted)).toFixed(3)} (what the runner adds besides the mount)`,
    );
    const cpuOf = (label: string) => median(cpu.get(label) ?? [0]);
    console.log(
      `    this process's CPU per run (median): runner ${ms(cpuOf('runner'))}, bare ${ms(cpuOf('bare'))} (the engine's own CPU is in its processes, not here)`,
    );
    console.log(phaseReport(runner));
    console.log(
      `    without the store's fsyncs (synchronous=OFF, a probe of ${RUNS} more interleaved runs): runner ${span(runnerNoSync)}; bare ${span(bareNoSync)}; ratio ${ratioNoSync.toFixed(3)}`,
    );
    console.log(bareReport());
    console.log(
      `(b) ${PARALLEL} at once, ${ROUNDS} rounds: runner wall ${runnerWall.map(ms).join(', ')}; docker wall ${dockerWall.map(ms).join(', ')}`,
    );
    console.log(`    ratio of medians runner/docker = ${ratioB.toFixed(3)} (target <= 1.3) ${ratioB <= 1.3 ? 'OK' : 'OVER'}`);
  } finally {
    await core.stopRunner('the bench ended');
    if (tag) await engine.removeImage(tag).catch(() => undefined);
    await core.close();
    rmSync(join(home, '..'), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
