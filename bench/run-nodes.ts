/**
 * bench/run (c), issue 17's "bench/run (b)": runs spread over this workstation's engine and two SSH
 * nodes through the runner, against as many local `docker run` with the same hardening, in the same
 * process and the same minutes; and where the runner's time goes per target. See bench/run.ts.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, type ConnectConfig } from 'ssh2';
import { DockerodeEngine } from '../src/engine';
import { NodeRunSpace } from '../src/nodes';
import { ULIMITS, TMP_TMPFS_OPTIONS } from '../src/runner';
import type { BenchCore } from './run';

/** Engine method -> phase. Methods a run-space step calls count for that step instead. */
const PHASE_OF: Record<string, string> = {
  info: 'engine facts',
  listContainers: 'sweep',
  listVolumes: 'sweep',
  inspectImage: 'image check/load',
  saveImage: 'image check/load',
  loadImage: 'image check/load',
  createContainer: 'create/start/wait',
  inspectSandbox: 'create/start/wait',
  attach: 'create/start/wait',
  start: 'create/start/wait',
  wait: 'create/start/wait',
  inspectContainer: 'create/start/wait',
  remove: 'cleanup',
};
const SPACE_PHASES = { prepare: 'secrets: archive copy to tmpfs', readOutput: 'read-back', destroy: 'cleanup' } as const;
const PHASES = [
  'ssh dial',
  'engine facts',
  'sweep',
  'image check/load',
  'secrets: archive copy to tmpfs',
  'create/start/wait',
  'read-back',
  'cleanup',
] as const;

/** Phase time per target of the run under way (the runs go one after another, so one at a time). */
let current: Map<string, number> | null = null;
let inSpace = 0;

function add(phase: string, ms: number): void {
  if (current) current.set(phase, (current.get(phase) ?? 0) + ms);
}

async function timedCall<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await work();
  } finally {
    add(phase, performance.now() - t);
  }
}

/** Wraps the engine's methods, the run space's steps and the SSH client's connect to time the phases. */
function instrument(): void {
  const engine = DockerodeEngine.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const [method, phase] of Object.entries(PHASE_OF)) {
    const original = engine[method]!;
    engine[method] = function (this: unknown, ...a: unknown[]) {
      return inSpace > 0 ? original.apply(this, a) : timedCall(phase, () => original.apply(this, a));
    };
  }
  const space = NodeRunSpace.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const prepare = (NodeRunSpace as unknown as { prepare: (...a: unknown[]) => Promise<unknown> }).prepare;
  const inStep =
    <T>(phase: string, work: () => Promise<T>) =>
    async (): Promise<T> => {
      inSpace++;
      try {
        return await timedCall(phase, work);
      } finally {
        inSpace--;
      }
    };
  (NodeRunSpace as unknown as { prepare: unknown }).prepare = function (this: unknown, ...a: unknown[]) {
    return inStep(SPACE_PHASES.prepare, () => prepare.apply(this, a))();
  };
  for (const step of ['readOutput', 'destroy'] as const) {
    const original = space[step]!;
    space[step] = function (this: unknown, ...a: unknown[]) {
      return inStep(SPACE_PHASES[step], () => original.apply(this, a))();
    };
  }
  // The SSH dial (TCP, key exchange, host key check, authentication) happens inside the first request.
  const connect: (this: Client, config: ConnectConfig) => Client = Reflect.get(Client.prototype, 'connect');
  Client.prototype.connect = function (this: Client, config: ConnectConfig) {
    const t = performance.now();
    const target = current;
    this.once('ready', () => {
      if (target === current) add('ssh dial', performance.now() - t);
    });
    return connect.call(this, config);
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `docker run` on the local engine with the runner's hardening, the secret and the output folder as bind mounts. */
function hardenedDockerRun(image: string, secretDir: string, outDir: string): Promise<void> {
  const args = [
    'run',
    '--rm',
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    '65534:65534',
    '--pids-limit',
    '24',
    '--memory',
    '48m',
    '--cpus',
    '0.5',
    '--ulimit',
    `nofile=${ULIMITS.nofile}:${ULIMITS.nofile}`,
    '--ulimit',
    `nproc=${ULIMITS.nproc}:${ULIMITS.nproc}`,
    '--tmpfs',
    `/tmp:${TMP_TMPFS_OPTIONS}`,
    '--log-driver',
    'none',
    '-v',
    `${secretDir}:/airgap/secrets:ro`,
    '-v',
    `${outDir}:/airgap/output`,
    '-e',
    'AIRGAP_SECRETS_DIR=/airgap/secrets',
    '-e',
    'AIRGAP_OUTPUT_DIR=/airgap/output',
    '--entrypoint',
    '/bin/sh',
    image,
    '/codebundle/canary.sh',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 && out.includes('rootfs: read-only') ? resolve() : reject(new Error(`docker run exited ${code}: ${out}`)),
    );
  });
}

const NEEDED = ['AIRGAP_TEST_NODE_SSH_DOCKER', 'AIRGAP_TEST_NODE_SSH_PODMAN', 'AIRGAP_TEST_NODE_SSH_KEY'] as const;

export async function benchNodes(b: BenchCore, runs: number): Promise<void> {
  const env = process.env;
  const missing = NEEDED.filter((n) => !env[n]);
  if (missing.length > 0) throw new Error(`No remote test nodes (${missing.join(', ')} unset): source /tmp/services.env`);
  const text = (path: string) => readFileSync(path, 'utf8');
  const targets: Array<{ label: string; node: string | undefined }> = [{ label: 'local engine', node: undefined }];
  for (const [label, address, hostKey] of [
    ['Docker over SSH', env.AIRGAP_TEST_NODE_SSH_DOCKER!, env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!],
    ['Podman over SSH', env.AIRGAP_TEST_NODE_SSH_PODMAN!, env.AIRGAP_TEST_NODE_SSH_PODMAN_HOSTKEY!],
  ] as const) {
    const name = `bench-${label.startsWith('Docker') ? 'sd' : 'sp'}-${process.pid}`;
    await b.admin('nodes.add', { name, address, pin: text(hostKey), privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!), labels: {} });
    targets.push({ label, node: name });
  }
  const canary = `BENCH-CANARY-${process.pid}`;
  await b.op('vault.add', { name: 'canary', value: Buffer.from(canary).toString('base64') });
  await b.op('vault.bind', { name: 'canary', bundles: [b.bundle] });
  // The docker run's secret, as the runner keeps a local run's: a read-only file on tmpfs.
  const scratch = mkdtempSync(join('/dev/shm', 'bench-nodes-'));
  const secretDir = join(scratch, 'secrets');
  const outDir = join(scratch, 'output');
  mkdirSync(secretDir, { mode: 0o755 });
  writeFileSync(join(secretDir, 'canary'), canary, { mode: 0o444 });
  mkdirSync(outDir, { mode: 0o777 });
  chmodSync(outDir, 0o777);

  instrument();
  const runOn = async (node: string | undefined): Promise<{ wall: number; phases: Map<string, number> }> => {
    const phases = new Map<string, number>();
    current = phases;
    const t = performance.now();
    try {
      const { id } = await b.op('runs.start', {
        bundle: b.bundle,
        task: 'canary',
        secrets: { canary: 'canary' },
        ...(node ? { node } : {}),
      });
      const run = await b.core.runner.current()!.waitFor(id);
      if (run.outcome !== 'succeeded') throw new Error(`run ${id} on ${node ?? 'this workstation'}: ${run.outcome} ${run.error ?? ''}`);
      return { wall: performance.now() - t, phases };
    } finally {
      current = null;
    }
  };
  const dockerOnce = async (): Promise<number> => {
    rmSync(join(outDir, 'issues.jsonl'), { force: true });
    const t = performance.now();
    await hardenedDockerRun(b.imageId, secretDir, outDir);
    return performance.now() - t;
  };

  try {
    // Warm-up: the image sent to each node, the holder loaded there, the first SSH dials.
    for (const target of targets) await runOn(target.node);
    await dockerOnce();

    const loadBefore = loadavg();
    const per = new Map(targets.map((t) => [t.label, [] as Array<{ wall: number; phases: Map<string, number> }>]));
    const docker: number[] = [];
    for (let i = 0; i < runs; i++) {
      const target = targets[i % targets.length]!;
      per.get(target.label)!.push(await runOn(target.node));
      docker.push(await dockerOnce());
    }
    const loadAfter = loadavg();

    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const dockerMedian = median(docker);
    const all = [...per.values()].flat().map((r) => r.wall);
    console.log(
      `(c) ${runs} runs of a task reading a vault secret and writing an issue, in turn on ${targets.map((t) => t.label).join(', ')}; ` +
        `${runs} local hardened docker run, interleaved`,
    );
    console.log(
      `    load average (1, 5, 15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(', ')}; after ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`,
    );
    console.log(
      `    local docker run (same hardening): median ${ms(dockerMedian)} (min ${ms(Math.min(...docker))}, max ${ms(Math.max(...docker))})`,
    );
    console.log(`    runner, all targets: median ${ms(median(all))}; ratio runner/docker = ${(median(all) / dockerMedian).toFixed(2)}`);
    for (const target of targets) {
      const rs = per.get(target.label)!;
      const walls = rs.map((r) => r.wall);
      console.log(
        `    ${target.label}: ${rs.length} runs, median ${ms(median(walls))} (min ${ms(Math.min(...walls))}, max ${ms(Math.max(...walls))}); ratio to local docker run = ${(median(walls) / dockerMedian).toFixed(2)}`,
      );
      // Mean per run of each phase; the dial happens inside the first request, so it is taken out of "engine facts".
      const mean = (phase: string) => rs.reduce((s, r) => s + (r.phases.get(phase) ?? 0), 0) / rs.length;
      const parts = PHASES.map((p) => [p, p === 'engine facts' ? mean(p) - mean('ssh dial') : mean(p)] as const);
      const wallMean = walls.reduce((s, w) => s + w, 0) / walls.length;
      const rest = wallMean - parts.reduce((s, [, v]) => s + v, 0);
      console.log(
        `      where the time goes (mean per run, of ${ms(wallMean)}): ${[
          ...parts,
          ['record, audit, fsync, queue (the rest)', rest] as const,
        ]
          .filter(([, v]) => v >= 0.5)
          .map(([p, v]) => `${p} ${ms(v)}`)
          .join('; ')}`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    for (const t of targets) if (t.node) await b.admin('nodes.prune', { name: t.node }).catch(() => undefined);
  }
}
