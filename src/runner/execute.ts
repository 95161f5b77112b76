/**
 * One run, from the checks at start to the settled record: re-check tag policy, revocation and
 * network; write the secret folder; create the hardened container by image id; attach BEFORE start
 * (log driver none: the engine keeps no copy); start; kill at the deadline or on cancel; read the
 * results; then always remove the container, the secret folder and the output folder, and settle the
 * record with its audit event in one transaction.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type CoreContext, type Publisher } from '../kernel';
import type { CodebundleTask, BundlePort, RunnableBundle } from '../bundles';
import type { ContainerEngine, RemoteEngine } from '../engine';
import { connect, NodeRecords, NodeRunSpace, noteFailure, sendImage, sweepNode, type NodeEntry } from '../nodes';
import type { NodeCredentials } from '../engine';
import type { Masker } from '../redact';
import { secretRoot, removeRunSecrets, writeRunSecrets, type SecretRoot } from '../vault';
import type { ResolvedConfig } from './config';
import type { RunTopics } from './events';
import { buildSandbox, taskUser, type SandboxRecord } from './hardening';
import { LogCapture, type LogSummary } from './log-capture';
import { LogWriter } from './log-writer';
import { isFenced, type Fence } from './fence';
import { chooseNetwork } from './networks';
import { RunRecords, type RunOutcome } from './records';
import { readTaskResults, type TaskResults } from './results';
import { RESULT_FILES, CONTAINER_PATHS } from '../bundles';
import { runnerSettings } from './settings';

export interface ExecEnv {
  ctx: CoreContext;
  engine: ContainerEngine;
  bundles: BundlePort;
  instanceId: string;
  /** The lease epoch this runner took: every run write checks it (fence.ts). */
  fence: Fence;
  /** `<home>/runs-work`: one private folder per run for its output. */
  workDir: string;
  bus: Publisher<RunTopics>;
  now: () => Date;
}

export interface RunJob {
  id: string;
  bundle: RunnableBundle;
  task: CodebundleTask;
  config: ResolvedConfig;
  /** Declared secret name -> value, opened from the vault at submission; wiped once written. */
  secrets: Map<string, Buffer>;
  masker: Masker;
  reason: string | null;
  startedBy: string;
  timeoutSeconds: number;
  /** The enrolled node to run on, with its credentials (opened at submission); null: this workstation. */
  node?: { entry: NodeEntry; credentials: NodeCredentials } | null;
}

/** `<home>/runs-work`: where each run's private output folder is made. */
export function workDirOf(home: string): string {
  return join(home, 'runs-work');
}

export type StopReason = { outcome: 'cancelled' | 'timed-out' | 'interrupted'; by: string };

/** How long to wait for the output streams to end after the container exited. */
const DRAIN_MS = 5000;

function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'The runner failed unexpectedly; see the application log on this workstation.';
}

export function wipe(secrets: Map<string, Buffer>): void {
  for (const value of secrets.values()) value.fill(0);
  secrets.clear();
}

export class RunExecution {
  private stopped: StopReason | null = null;
  private containerId: string | null = null;
  /** The engine the container runs on: the workstation's, or the node's once connected. */
  private engine: ContainerEngine;
  private remote: RemoteEngine | null = null;
  private space: NodeRunSpace | null = null;

  constructor(
    private readonly env: ExecEnv,
    readonly job: RunJob,
  ) {
    this.engine = env.engine;
  }

  /** Asks the run to end: kills its container when there is one. The first reason wins. */
  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = reason;
    if (this.containerId) this.engine.kill(this.containerId).catch(() => undefined);
  }

  async run(): Promise<RunOutcome> {
    const { env, job } = this;
    const db = env.ctx.db;
    const records = new RunRecords(db);
    const settings = runnerSettings(db);
    const writer = new LogWriter(job.id, (lines) => env.fence.write(() => records.appendLogs(job.id, lines)), env.bus);
    const capture = new LogCapture({
      capBytes: settings.logCapBytes,
      masker: job.masker,
      now: env.now,
      sink: (lines) => writer.add(lines),
    });
    const runDir = join(env.workDir, job.id);
    const outputDir = join(runDir, 'output');
    let root: SecretRoot | null = null;
    let outcome: RunOutcome;
    let error: string | null = null;
    let exitCode: number | null = null;
    let results: TaskResults = { issues: [], report: [], metrics: [], warnings: [] };
    let timer: NodeJS.Timeout | undefined;
    try {
      const admission = env.bundles.admit(db, job.bundle, job.task);
      if (!admission.allowed) throw new ApiError('POLICY_DENIED', `Refused at start: ${admission.reason}`);
      const network = chooseNetwork(db, job.task.network, settings.hostNetworkAllowed);
      if (job.node) {
        this.remote = connect(job.node.entry, job.node.credentials);
        this.engine = this.remote.engine;
      }
      const engine = this.engine;
      const info = await engine.info();
      if (this.remote && job.node) {
        const name = job.node.entry.name;
        // What earlier runs left there (a crash, a node that stopped answering) goes first.
        await sweepNode(engine, env.ctx.workstationId, new Set([...records.unfinishedOn(name), job.id]));
        await sendImage(env.engine, engine, job.bundle.imageId);
        const now = env.now().toISOString();
        const nodes = new NodeRecords(db);
        nodes.seen(name, now);
        // Sent now or found there with the verified id: either way the node holds it.
        nodes.imageLoaded(name, job.bundle.imageId, now);
      }
      const image = await engine.inspectImage(job.bundle.imageId);
      if (!image || image.id !== job.bundle.imageId) {
        throw new ApiError(
          'NOT_FOUND',
          `The engine no longer has the image of ${job.bundle.name}@${job.bundle.version} (${job.bundle.imageId}). Import the bundle again.`,
        );
      }
      this.throwIfStopped();
      mkdirSync(runDir, { recursive: true, mode: 0o700 });
      mkdirSync(outputDir, { mode: 0o700 });
      let secretsDir: string | null = null;
      let secretsOn: SandboxRecord['secrets'] = 'none';
      if (this.remote) {
        // No bind mounts on a node: secrets and files travel into per-run tmpfs volumes there.
        const files = new Map(job.config.files.map((f) => [f.name, readFileSync(f.hostPath)] as const));
        this.space = await NodeRunSpace.prepare(engine, {
          runId: job.id,
          workstationId: env.ctx.workstationId,
          arch: info.arch,
          sizeLimits: info.name === 'Docker',
          user: taskUser(image.user),
          secrets: job.secrets,
          files,
          memoryBytes: job.task.resources.memoryMiB * 1024 * 1024,
        });
        for (const value of files.values()) value.fill(0);
        if (job.secrets.size > 0) secretsOn = 'tmpfs';
      } else {
        // The task's user (not us) writes here; the 0700 run folder keeps everyone else out.
        chmodSync(outputDir, 0o777);
        if (job.secrets.size > 0) {
          root = secretRoot({ workstationId: env.ctx.workstationId, home: env.ctx.home, allowDisk: settings.allowSecretsOnDisk });
          secretsDir = writeRunSecrets(root, job.id, job.secrets);
          secretsOn = root.tmpfs ? 'tmpfs' : 'disk';
        }
      }
      if (job.secrets.size > 0) {
        env.fence.transact(() => undefined, {
          actor: `user:${job.startedBy}`,
          action: 'runs.secretUse',
          target: `run:${job.id}`,
          outcome: 'success',
          details: { secrets: job.config.secrets, on: secretsOn, bundle: job.bundle.name, node: job.node?.entry.name ?? null },
        });
      }
      wipe(job.secrets);
      const startedAt = env.now();
      const deadline = new Date(startedAt.getTime() + job.timeoutSeconds * 1000);
      const built = buildSandbox({
        runId: job.id,
        instanceId: env.instanceId,
        epoch: env.fence.epoch,
        workstationId: env.ctx.workstationId,
        bundle: { name: job.bundle.name, version: job.bundle.version },
        task: job.task,
        imageId: job.bundle.imageId,
        imageUser: image.user,
        engine: info,
        network,
        timeoutSeconds: job.timeoutSeconds,
        deadline,
        configEnv: job.config.env,
        reason: job.reason,
        outputDir,
        secretsDir,
        secretsOn,
        files: job.config.files,
        containerName: `airgap-${job.id}`,
        ...(this.space ? { volumes: this.space.taskVolumes(CONTAINER_PATHS) } : {}),
      });
      const spec = built.spec;
      let record = built.record;
      this.throwIfStopped();
      const id = await engine.createContainer(spec);
      this.containerId = id;
      if (job.node) {
        const inspected = await engine.inspectSandbox(id);
        record = { ...record, node: job.node.entry.name, ...(inspected ? { inspected } : {}) };
      }
      const streams = await engine.attach(id);
      streams.stdout.on('data', (chunk: Buffer) => capture.write('stdout', chunk));
      streams.stderr.on('data', (chunk: Buffer) => capture.write('stderr', chunk));
      streams.stdout.on('error', () => undefined);
      streams.stderr.on('error', () => undefined);
      env.fence.write(() =>
        records.markRunning(job.id, {
          startedAt: startedAt.toISOString(),
          deadline: deadline.toISOString(),
          sandbox: record,
          containerId: id,
        }),
      );
      env.bus.emit('runState', { runId: job.id, state: 'running', outcome: null });
      this.throwIfStopped();
      await engine.start(id);
      timer = setTimeout(() => this.stop({ outcome: 'timed-out', by: 'timeout' }), job.timeoutSeconds * 1000);
      if (this.stopped) await engine.kill(id).catch(() => undefined);
      exitCode = (await engine.wait(id)).exitCode;
      clearTimeout(timer);
      await Promise.race([streams.closed, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      streams.detach();
      const state = await engine.inspectContainer(id).catch(() => null);
      if (state?.oomKilled) capture.system(`[the task ran out of memory (limit ${job.task.resources.memoryMiB} MiB) and was killed]`);
      outcome = this.stopped ? this.stopped.outcome : exitCode === 0 ? 'succeeded' : 'failed';
      let readBack: string[] = [];
      if (this.space) {
        // The node's output volume is read back through the holder into this run's private folder.
        const out = await this.space.readOutput([RESULT_FILES.issues, RESULT_FILES.report, RESULT_FILES.metrics]);
        for (const [name, bytes] of out.files) writeFileSync(join(outputDir, name), bytes, { mode: 0o600, flag: 'wx' });
        readBack = out.warnings;
      }
      results = readTaskResults(outputDir, job.masker);
      results = { ...results, warnings: [...readBack, ...results.warnings] };
    } catch (e) {
      if (job.node) {
        noteFailure(db, job.node.entry.name, e);
        // The node stopped answering while its container ran: the run is interrupted, not failed by the task.
        if (this.containerId && e instanceof ApiError && e.code === 'ENGINE_UNAVAILABLE' && !this.stopped)
          this.stopped = { outcome: 'interrupted', by: `node ${job.node.entry.name} stopped answering` };
      }
      outcome = this.stopped?.outcome ?? 'error';
      if (!this.stopped) error = job.masker.mask(messageOf(e));
    } finally {
      clearTimeout(timer);
      wipe(job.secrets);
    }
    if (this.stopped?.outcome === 'timed-out') capture.system(`[timed out after ${job.timeoutSeconds} s: the container was killed]`);
    if (this.stopped?.outcome === 'cancelled') capture.system(`[cancelled by ${this.stopped.by}: the container was killed]`);
    if (this.stopped?.outcome === 'interrupted')
      capture.system(
        this.stopped.by.startsWith('node ')
          ? `[interrupted: ${this.stopped.by}; what is left there is removed when it answers again]`
          : `[interrupted: the runner stopped (${this.stopped.by}); the container was killed]`,
      );
    const summary: LogSummary = capture.end();
    writer.flush();
    const warnings = [...results.warnings, ...(await this.cleanUp(root, runDir))];
    this.settle(records, { outcome, error, exitCode, results: { ...results, warnings }, summary });
    return outcome;
  }

  private throwIfStopped(): void {
    if (this.stopped) throw new ApiError('CONFLICT', `stopped: ${this.stopped.outcome}`);
  }

  /** Removes the container, the secret folder and the output folder; returns problems as warnings. */
  private async cleanUp(root: SecretRoot | null, runDir: string): Promise<string[]> {
    const warnings: string[] = [];
    if (this.containerId) {
      await this.engine.remove(this.containerId, { force: true }).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'NOT_FOUND'))
          warnings.push(`The container could not be removed (${messageOf(e)}); it is removed at the next start-up.`);
      });
    }
    if (this.space) {
      const left = await this.space.destroy();
      if (left.length > 0)
        warnings.push(`Some of the run's volumes on the node could not be removed (${left.join('; ')}); the node is swept when next used.`);
    }
    await this.remote?.close().catch(() => undefined);
    if (root) removeRunSecrets(root, this.job.id);
    rmSync(runDir, { recursive: true, force: true });
    return warnings;
  }

  /** Settles the record with its `runs.end` event, unless another holder did (fenced, or already finished). */
  private settle(
    records: RunRecords,
    r: { outcome: RunOutcome; error: string | null; exitCode: number | null; results: TaskResults; summary: LogSummary },
  ): void {
    const { env, job } = this;
    const endedAt = env.now().toISOString();
    let settled: boolean;
    try {
      settled = this.writeEnd(records, r, endedAt);
    } catch (error) {
      if (isFenced(error)) return;
      throw error;
    }
    if (settled) env.bus.emit('runState', { runId: job.id, state: 'finished', outcome: r.outcome });
  }

  private writeEnd(
    records: RunRecords,
    r: { outcome: RunOutcome; error: string | null; exitCode: number | null; results: TaskResults; summary: LogSummary },
    endedAt: string,
  ): boolean {
    const { env, job } = this;
    return env.fence.transact(
      () =>
        records.finish(job.id, {
          outcome: r.outcome,
          endedAt,
          exitCode: r.exitCode,
          error: r.error,
          issues: r.results.issues,
          report: r.results.report,
          metrics: r.results.metrics,
          warnings: r.results.warnings,
          log: { totalBytes: r.summary.totalBytes, keptBytes: r.summary.keptBytes, truncated: r.summary.truncated },
        }),
      {
        actor: 'system',
        action: 'runs.end',
        target: `run:${job.id}`,
        outcome: r.outcome === 'error' ? 'failure' : 'success',
        details: {
          outcome: r.outcome,
          exitCode: r.exitCode,
          bundle: `${job.bundle.name}@${job.bundle.version}`,
          task: job.task.id,
          stoppedBy: this.stopped?.by ?? null,
          leaseEpoch: env.fence.epoch,
        },
      },
    );
  }
}
