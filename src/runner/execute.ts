/**
 * One run, from the checks at start to the settled record: re-check tag policy, revocation and
 * network; write the secret folder; create the hardened container by image id; attach BEFORE start
 * (log driver none: the engine keeps no copy); start; kill at the deadline or on cancel; read the
 * results; then always remove the container, the secret folder and the output folder, and settle the
 * record with its audit event in one transaction.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, type CoreContext, type Publisher } from '../kernel';
import type { CodebundleTask, BundlePort, RunnableBundle } from '../bundles';
import type { ContainerEngine, EngineInfo, ImageDetails, RemoteEngine } from '../engine';
import { connect, NodeRecords, NodeRunSpace, noteFailure, sendImage, sweepNode, type NodeEntry } from '../nodes';
import type { NodeCredentials } from '../engine';
import type { Masker } from '../redact';
import { secretRoot, removeRunSecrets, writeRunSecrets, type SecretRoot, type SshRunCredentials } from '../vault';
import type { ResolvedConfig } from './config';
import type { RunTopics } from './events';
import { buildSandbox, taskUser, type SandboxInput, type SandboxRecord } from './hardening';
import { LogCapture, type LogSummary } from './log-capture';
import { LogWriter } from './log-writer';
import type { Fence } from './fence';
import { chooseNetwork } from './networks';
import { RunRecords, type RunOutcome } from './records';
import { readTaskResults, type TaskResults } from './results';
import { RESULT_FILES, CONTAINER_PATHS } from '../bundles';
import { runnerSettings } from './settings';
import { issueSshCertificates } from './ssh-certificates';
import { noteLateWarnings, settleRun, type RunEnd } from './settle';
import { checkImage, checkedBefore, forgetImage, verifiedImage, type CheckedImage } from './image-check';

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
  /** Per-run SSH certificates to sign at start (key pairs and CA signer ready); destroyed at the end. */
  ssh?: SshRunCredentials | null;
  /**
   * The enrolled nodes it may run on, with their credentials (opened with the starter's vault key at
   * submission); the runner picks one when a slot is free. Null or absent: this workstation.
   */
  nodes?: NodeChoice[] | null;
  /** The node it runs on, chosen as it starts. */
  node?: NodeChoice | null;
  /** When its node stops answering, a read-only task runs again on another fitting node (runner.ts). */
  retryElsewhere?: boolean;
}

/** A node a run may go to, with its client credentials. */
export interface NodeChoice {
  entry: NodeEntry;
  credentials: NodeCredentials;
}

/** `<home>/runs-work`: where each run's private output folder is made. */
export function workDirOf(home: string): string {
  return join(home, 'runs-work');
}

export type StopReason = { outcome: 'cancelled' | 'timed-out' | 'interrupted'; by: string };

/** How long to wait for the output streams to end after the container exited. */
const DRAIN_MS = 5000;
/**
 * After a stop (deadline, cancel, shutdown), how long the engine has to confirm the kill. Past it
 * the run stops waiting for that engine (a node is given up on) and settles with the stop's outcome:
 * the deadline always wins, whatever the engine does.
 */
export const KILL_GRACE_MS = 20_000;

/**
 * Lets the engine requests just made leave this process before it blocks on a commit's fsync: the
 * socket's connect completes in the next turn of the event loop, and its request is written then.
 */
function requestsSent(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

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
  /** Aborted when the run stops waiting for its engine (KILL_GRACE_MS after a stop went unconfirmed). */
  private readonly abandoned = new AbortController();
  private grace: NodeJS.Timeout | undefined;
  /** The engine said the container exited. */
  private exited = false;

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
    this.grace = setTimeout(() => {
      const why = new ApiError('ENGINE_UNAVAILABLE', `The engine did not confirm the kill within ${KILL_GRACE_MS / 1000} s.`);
      this.remote?.giveUp(why);
      this.abandoned.abort(why);
    }, KILL_GRACE_MS);
    this.grace.unref();
  }

  /** The node that stopped answering while this run used it (the runner may retry elsewhere). */
  lostNode: string | null = null;

  /** The node stopped answering: its run is interrupted (unless already stopped), and the node marked. */
  private nodeLost(reason: ApiError): void {
    const node = this.job.node?.entry.name;
    if (!node) return;
    this.lostNode = node;
    try {
      new NodeRecords(this.env.ctx.db).unreachable(node, this.env.now().toISOString(), reason.message);
    } catch {
      // The store is closing; the run still settles.
    }
    if (!this.stopped) this.stopped = { outcome: 'interrupted', by: `node ${node} stopped answering` };
  }

  /** An engine step the run gives up on once it was abandoned (a stop the engine never confirmed). */
  private async step<T>(work: Promise<T>): Promise<T> {
    const signal = this.abandoned.signal;
    signal.throwIfAborted();
    return await new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
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
        // Pinged while the run uses it; one that stops answering fails every pending request at once.
        this.remote.watch((reason) => this.nodeLost(reason));
      }
      const engine = this.engine;
      let info: EngineInfo;
      let image: ImageDetails;
      // Locally, once this engine answered for this image: this run's check, answered while the container is made.
      let checking: Promise<CheckedImage> | null = null;
      if (this.remote && job.node) {
        info = await engine.info();
        const name = job.node.entry.name;
        // What earlier runs left there (a crash, a node that stopped answering) goes first.
        await sweepNode(engine, env.ctx.workstationId, new Set([...records.unfinishedOn(name), job.id]));
        await sendImage(env.engine, engine, job.bundle.imageId);
        const now = env.now().toISOString();
        const nodes = new NodeRecords(db);
        nodes.seen(name, now);
        // Sent now or found there with the verified id: either way the node holds it.
        nodes.imageLoaded(name, job.bundle.imageId, now);
        image = verifiedImage(job, await engine.inspectImage(job.bundle.imageId));
      } else {
        checking = checkImage(engine, job);
        const known = checkedBefore(engine, job.bundle.imageId);
        if (known) ({ info, image } = known);
        else {
          ({ info, image } = await checking);
          checking = null;
        }
      }
      if (checking && (job.ssh || job.secrets.size > 0)) {
        // Nothing secret is written, signed or audited as used before this run's own check passed.
        ({ info, image } = await checking);
        checking = null;
      }
      this.throwIfStopped();
      mkdirSync(runDir, { recursive: true, mode: 0o700 });
      mkdirSync(outputDir, { mode: 0o700 });
      if (job.ssh) issueSshCertificates(env, job);
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
      // From here the deadline holds, whatever the engine does (creating, attaching, starting, waiting).
      timer = setTimeout(() => this.stop({ outcome: 'timed-out', by: 'timeout' }), job.timeoutSeconds * 1000);
      timer.unref();
      const sandboxInput: SandboxInput = {
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
      };
      const built = buildSandbox(sandboxInput);
      const spec = built.spec;
      let record = built.record;
      this.throwIfStopped();
      // A failed check is what the run reports (as when it was answered first), not the create's failure.
      const pending = checking;
      const creating = this.step(engine.createContainer(spec)).catch(async (e: unknown) => {
        if (pending) await pending;
        throw e;
      });
      creating.catch(() => undefined); // awaited below
      const markRunning = (sandbox: SandboxRecord, containerId: string | null): void =>
        env.fence.write(() =>
          records.markRunning(job.id, { startedAt: startedAt.toISOString(), deadline: deadline.toISOString(), sandbox, containerId }),
        );
      let marked: SandboxRecord | null = null;
      if (!job.node) {
        // Locally the record is complete before the container is made, so the running mark (durable
        // before start: a crash is then settled) takes its fsync while the engine creates the container.
        // The container's id is recorded when the run settles.
        await requestsSent();
        try {
          markRunning(record, null);
        } catch (e) {
          this.containerId = await creating.catch(() => null);
          throw e;
        }
        marked = record;
      }
      const id = await creating;
      this.containerId = id;
      if (checking) {
        // Nothing has run yet: a failed check removes the container (cleanUp) and the run ends with why.
        const fresh = await this.step(checking);
        if (fresh.image.user !== image.user) {
          forgetImage(engine, job.bundle.imageId);
          throw new ApiError(
            'CONFLICT',
            `The image of ${job.bundle.name}@${job.bundle.version} now names another user than when it was checked; nothing ran. Start the run again.`,
          );
        }
        record = buildSandbox({ ...sandboxInput, engine: fresh.info }).record;
      }
      if (job.node) {
        const inspected = await this.step(engine.inspectSandbox(id));
        record = { ...record, node: job.node.entry.name, ...(inspected ? { inspected } : {}) };
      }
      // What start is given is on record before it: marked again only when the check's answer changed it.
      if (!marked || JSON.stringify(marked) !== JSON.stringify(record)) markRunning(record, id);
      const streams = await this.step(engine.attach(id));
      streams.stdout.on('data', (chunk: Buffer) => capture.write('stdout', chunk));
      streams.stderr.on('data', (chunk: Buffer) => capture.write('stderr', chunk));
      streams.stdout.on('error', () => undefined);
      streams.stderr.on('error', () => undefined);
      env.bus.emit('runState', { runId: job.id, state: 'running', outcome: null });
      this.throwIfStopped();
      await this.step(engine.start(id));
      if (this.stopped) await this.step(engine.kill(id)).catch(() => undefined);
      exitCode = (await this.step(engine.wait(id))).exitCode;
      this.exited = true;
      clearTimeout(timer);
      // The container has exited: its state (out of memory?) is asked while the output streams drain.
      const inspecting = this.step(engine.inspectContainer(id)).catch(() => null);
      await Promise.race([streams.closed, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      streams.detach();
      const state = await inspecting;
      if (state?.oomKilled) capture.system(`[the task ran out of memory (limit ${job.task.resources.memoryMiB} MiB) and was killed]`);
      outcome = this.stopped ? this.stopped.outcome : exitCode === 0 ? 'succeeded' : 'failed';
      let readBack: string[] = [];
      if (this.space) {
        // The node's output volume is read back through the holder into this run's private folder.
        const out = await this.step(this.space.readOutput([RESULT_FILES.issues, RESULT_FILES.report, RESULT_FILES.metrics]));
        for (const [name, bytes] of out.files) writeFileSync(join(outputDir, name), bytes, { mode: 0o600, flag: 'wx' });
        readBack = out.warnings;
      }
      results = readTaskResults(outputDir, job.masker);
      results = { ...results, warnings: [...readBack, ...results.warnings] };
    } catch (e) {
      if (job.node) {
        noteFailure(db, job.node.entry.name, e);
        // The node stopped answering while the run used it: interrupted, not failed by the task.
        if (this.remote?.lost) this.nodeLost(this.remote.lost);
        else if (this.containerId && e instanceof ApiError && e.code === 'ENGINE_UNAVAILABLE' && !this.stopped) this.nodeLost(e);
      }
      outcome = this.stopped?.outcome ?? 'error';
      if (!this.stopped) error = job.masker.mask(messageOf(e));
    } finally {
      clearTimeout(timer);
      wipe(job.secrets);
      job.ssh?.destroy();
    }
    if (this.abandoned.signal.aborted)
      capture.system(`[the engine did not confirm the kill within ${KILL_GRACE_MS / 1000} s; the run stopped waiting for it]`);
    if (this.remote?.lost) capture.system(`[${this.remote.lost.message}]`);
    // A kill the engine never confirmed is said so: the container may still run there until swept.
    const killed = this.abandoned.signal.aborted || this.remote?.lost ? 'the kill could not be confirmed' : 'the container was killed';
    if (this.stopped?.outcome === 'timed-out') capture.system(`[timed out after ${job.timeoutSeconds} s: ${killed}]`);
    if (this.stopped?.outcome === 'cancelled') capture.system(`[cancelled by ${this.stopped.by}: ${killed}]`);
    if (this.stopped?.outcome === 'interrupted')
      capture.system(
        this.stopped.by.startsWith('node ')
          ? `[interrupted: ${this.stopped.by}; what is left there is removed when it answers again]`
          : `[interrupted: the runner stopped (${this.stopped.by}); the container was killed]`,
      );
    const summary: LogSummary = capture.end();
    const ended = { outcome, error, exitCode, summary };
    const stoppedBy = this.stopped?.by ?? null;
    const settle = (warnings: string[]): void => {
      const end: RunEnd = {
        ...ended,
        results: { ...results, warnings: [...results.warnings, ...warnings] },
        containerId: this.containerId,
      };
      settleRun(env, job, records, end, stoppedBy);
    };
    const late = await this.cleanUp(root, runDir, () => writer.flush(), settle);
    if (late.length > 0) noteLateWarnings(env, records, job.id, late);
    return outcome;
  }

  private throwIfStopped(): void {
    if (this.stopped) throw new ApiError('CONFLICT', `stopped: ${this.stopped.outcome}`);
  }

  /**
   * Removes the container, the secret folder and the output folder. `flushLogs` stores the log's last
   * lines and `settle` the settled record (with the warnings known by then), one commit each, while
   * the engine removes the container when there is one: the outcome is durable before the container
   * (and with it the exit code) is gone. Returns the problems found after the settle, as warnings.
   */
  private async cleanUp(
    root: SecretRoot | null,
    runDir: string,
    flushLogs: () => void,
    settle: (warnings: string[]) => void,
  ): Promise<string[]> {
    clearTimeout(this.grace);
    const warnings: string[] = [];
    // The run's folder goes off this thread (removing it blocked the run for several ms under load);
    // once the container has exited (its output read) nothing writes there, so it goes while the
    // engine removes the container; otherwise after.
    const removeDir = () => rm(runDir, { recursive: true, force: true });
    const removingDir = this.exited || !this.containerId ? removeDir() : null;
    removingDir?.catch(() => undefined); // awaited below, after the engine's part
    if (this.remote?.lost) {
      // Nothing can be removed from a node that does not answer; the next run there sweeps it.
      warnings.push(
        `Node ${this.job.node?.entry.name ?? '?'} stopped answering: the run's container and volumes there are removed the next time a run uses the node.`,
      );
      this.containerId = null;
      this.space = null;
    }
    const late: string[] = [];
    let removing: Promise<void> | null = null;
    if (this.containerId) {
      removing = this.engine.remove(this.containerId, { force: true }).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'NOT_FOUND'))
          late.push(`The container could not be removed (${messageOf(e)}); it is removed at the next start-up.`);
      });
      // The container has exited or was killed: its output is all captured, so the log's last lines
      // and the settled record take their commits (one fsync each) while the engine removes it.
      await requestsSent();
    }
    let settleError: Error | null = null;
    flushLogs();
    try {
      settle(warnings);
    } catch (e) {
      settleError = e instanceof Error ? e : new Error(String(e)); // thrown once the cleanup is done
    }
    await removing;
    if (this.space) {
      const left = await this.space.destroy();
      if (left.length > 0)
        late.push(`Some of the run's volumes on the node could not be removed (${left.join('; ')}); the node is swept when next used.`);
    }
    await this.remote?.close().catch(() => undefined);
    if (root) removeRunSecrets(root, this.job.id);
    await (removingDir ?? removeDir());
    if (settleError !== null) throw settleError;
    return late;
  }
}
