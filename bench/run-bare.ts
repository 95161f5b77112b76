/**
 * bench/run (a)'s baseline and phase timing. The baseline is the bare engine-API sequence the runner
 * cannot do with less: create, attach, start, wait, remove through dockerode, with the runner's
 * hardening (read-only root, CapDrop ALL, no-new-privileges, the default seccomp profile, the
 * limits, tmpfs /tmp, network none, log driver none, labels), the image by id, the same command
 * and user; no record, no audit, no fsync. The phases of the runner's runs are timed by wrapping the
 * engine's methods and the store's transactions in this process only. See bench/run.ts.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { DockerodeEngine } from '../src/engine';
import type { Core } from '../src/api/core';
import { LABELS, TMP_TMPFS_OPTIONS, ULIMITS } from '../src/runner';

let docker: Docker | undefined;

/** One bare run of `/bin/sh -c 'echo ok'`; resolves once removed, rejects unless it printed "ok". */
export async function bareRun(
  socketPath: string,
  image: string,
  limits: { memoryMiB: number; cpu: number; pids: number },
  /** A folder to bind-mount read-write at /airgap/output, as the runner mounts each run's output folder. */
  outputDir?: string,
): Promise<void> {
  docker ??= new Docker({ socketPath });
  const runId = randomUUID();
  let t = performance.now();
  const lap = (phase: string): void => {
    if (outputDir) return;
    const now = performance.now();
    bareLaps.set(phase, (bareLaps.get(phase) ?? 0) + now - t);
    t = now;
  };
  if (!outputDir) bareCount++;
  const container = await docker.createContainer({
    name: `bench-bare-${runId}`,
    Image: image,
    Entrypoint: ['/bin/sh'],
    Cmd: ['-c', 'echo ok'],
    Env: ['HOME=/tmp'],
    User: '65534:65534',
    WorkingDir: '/codebundle',
    Labels: { [LABELS.runId]: runId, [LABELS.bundle]: 'bench-bare' },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Tmpfs: { '/tmp': TMP_TMPFS_OPTIONS },
      Memory: limits.memoryMiB * 1024 * 1024,
      MemorySwap: limits.memoryMiB * 1024 * 1024,
      NanoCpus: Math.round(limits.cpu * 1e9),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: ULIMITS.nofile, Hard: ULIMITS.nofile },
        { Name: 'nproc', Soft: ULIMITS.nproc, Hard: ULIMITS.nproc },
      ],
      LogConfig: { Type: 'none', Config: {} },
      RestartPolicy: { Name: 'no' },
      ...(outputDir ? { Mounts: [{ Type: 'bind', Source: outputDir, Target: '/airgap/output', ReadOnly: false }] } : {}),
    },
  });
  lap('create');
  try {
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    lap('attach');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.resume();
    docker.modem.demuxStream(stream, stdout, stderr);
    const closed = new Promise<void>((resolve) => stream.on('end', resolve));
    await container.start();
    lap('start');
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await closed;
    lap('wait');
    if (StatusCode !== 0 || out !== 'ok\n') throw new Error(`bare run exited ${StatusCode}: ${out}`);
  } finally {
    await container.remove({ force: true, v: true });
    lap('remove');
  }
}

const bareLaps = new Map<string, number>();
let bareCount = 0;

/** The mean per bare run of each of its steps. */
export function bareReport(): string {
  return `    bare, mean per run: ${[...bareLaps].map(([p, v]) => `${p} ${(v / bareCount).toFixed(1)} ms`).join('; ')}`;
}

/** Engine method -> phase of a local run. */
const PHASE_OF: Record<string, string> = {
  info: 'engine facts (info: read once per engine, then known without a ping)',
  inspectImage: 'image id check (the same)',
  createContainer: 'create',
  attach: 'attach',
  start: 'start',
  wait: 'wait',
  inspectContainer: 'inspect (OOM check)',
  remove: 'remove',
};
const STORE = 'store: transactions (each a WAL fsync)';
const PHASES = [...new Set(Object.values(PHASE_OF)), STORE];

let current: Map<string, number> | null = null;
const all: Array<Map<string, number>> = [];
let commits = 0;

function add(phase: string, ms: number): void {
  if (current) current.set(phase, (current.get(phase) ?? 0) + ms);
}

function timedSync<T>(phase: string, work: () => T): T {
  const t = performance.now();
  try {
    return work();
  } finally {
    add(phase, performance.now() - t);
  }
}

/**
 * Wraps the engine's methods and the store's outermost transactions (each commit is one fsync of the
 * WAL at synchronous=FULL), so each runner run's time splits into phases; the rest is JavaScript.
 */
export function instrumentLocal(core: Core): void {
  bareLaps.clear();
  bareCount = 0;
  const engine = DockerodeEngine.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const [method, phase] of Object.entries(PHASE_OF)) {
    const original = engine[method]!;
    engine[method] = async function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      try {
        return await original.apply(this, a);
      } finally {
        add(phase, performance.now() - t);
      }
    };
  }
  const db = core.store.db as unknown as {
    transaction: (fn: (...a: unknown[]) => unknown) => Record<string, unknown>;
    inTransaction: boolean;
  };
  const transaction = db.transaction.bind(db);
  db.transaction = (fn) => {
    const tx = transaction(fn) as unknown as ((...a: unknown[]) => unknown) & Record<string, (...a: unknown[]) => unknown>;
    const wrap =
      (run: (...a: unknown[]) => unknown) =>
      (...a: unknown[]): unknown => {
        if (db.inTransaction) return run(...a);
        if (current) commits++;
        return timedSync(STORE, () => run(...a));
      };
    const wrapped = wrap(tx) as unknown as Record<string, unknown>;
    for (const mode of ['deferred', 'immediate', 'exclusive'] as const) wrapped[mode] = wrap(tx[mode]!);
    return wrapped;
  };
}

/** Times `work` (one runner run) and keeps its phases. */
export async function timePhases(work: () => Promise<number>): Promise<number> {
  const phases = new Map<string, number>();
  current = phases;
  try {
    const wall = await work();
    phases.set('wall', wall);
    all.push(phases);
    return wall;
  } finally {
    current = null;
  }
}

/** The mean per run of each phase of the timed runs. */
export function phaseReport(walls: number[]): string {
  const n = all.length;
  const mean = (p: string) => all.reduce((s, r) => s + (r.get(p) ?? 0), 0) / n;
  const wallMean = walls.reduce((s, w) => s + w, 0) / walls.length;
  const parts = PHASES.map((p) => [p, mean(p)] as const);
  const rest = wallMean - parts.reduce((s, [, v]) => s + v, 0);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return (
    `    runner, where the time goes (mean per run of ${ms(wallMean)}; ${(commits / n).toFixed(1)} store commits per run, ${ms((mean(STORE) * n) / Math.max(commits, 1))} each):\n` +
    [...parts, ['the rest (wall minus the phases above, which overlap: checks, JavaScript, queue, files)', rest] as const]
      .map(([p, v]) => `      ${p}: ${ms(v)}`)
      .join('\n')
  );
}
