/**
 * The container a task runs in, exactly as ARCHITECTURE.md ("Runner: hardened by default") lists it:
 * network none (or an admin-defined network; host only as an audited admin override), read-only root
 * filesystem, CapDrop ALL, no-new-privileges, pids/memory/CPU/nofile/nproc limits, the image's
 * non-root user with the fixed group 65534 (or 65534:65534), tmpfs /tmp, log driver none, labels with run id, instance id and
 * deadline, and the image by id. Pure: the same inputs always give the same spec, so the test that
 * inspects a running container can compare against it.
 */
import { CODEBUNDLE_DIR, CONTAINER_PATHS, TASK_ENV, type CodebundleTask } from '../bundles';
import type { BindMount, ContainerSpec, EngineInfo, InspectedSandbox, VolumeMount } from '../engine';
import type { FileMount } from './config';

export const LABELS = {
  runId: 'io.airgap-runner.run-id',
  instanceId: 'io.airgap-runner.instance-id',
  epoch: 'io.airgap-runner.lease-epoch',
  deadline: 'io.airgap-runner.deadline',
  workstation: 'io.airgap-runner.workstation',
  bundle: 'io.airgap-runner.bundle',
} as const;

export const NOBODY = '65534:65534';
export const ULIMITS = { nofile: 1024, nproc: 512 } as const;
export const TMP_TMPFS_MIB = 64;
export const TMP_TMPFS_OPTIONS = `rw,noexec,nosuid,nodev,mode=1777,size=${TMP_TMPFS_MIB}m`;

/**
 * Every task runs with this group, whatever its image declares: an image could otherwise pick a
 * privileged one (`shadow`, `disk`, `docker`…) and read what that group may read on a mount. Given
 * explicitly, it also keeps the engine from adding the image's supplementary groups (runc adds
 * them only when no group is named).
 */
export const TASK_GROUP = 65534;

/**
 * The image's user when it is a numeric non-root uid, with the fixed unprivileged group; otherwise
 * nobody. Never root, never the root group; an image naming the root group gets nobody.
 */
export function taskUser(imageUser: string): string {
  const m = /^(\d+)(?::(\d+))?$/.exec(imageUser.trim());
  if (!m) return NOBODY;
  const uid = Number(m[1]);
  if (uid === 0 || (m[2] !== undefined && Number(m[2]) === 0)) return NOBODY;
  return `${uid}:${TASK_GROUP}`;
}

export interface NetworkChoice {
  /** What the engine is given: `none`, a network name, or `host`. */
  engineNetwork: string;
  kind: 'none' | 'named' | 'host-override';
  /** The name the task asked for. */
  requested: string;
}

export interface SandboxRecord {
  engine: string;
  engineVersion: string;
  apiVersion: string;
  rootless: boolean;
  socket: string;
  network: string;
  networkKind: NetworkChoice['kind'];
  user: string;
  imageId: string;
  readOnlyRootfs: boolean;
  capDrop: string[];
  noNewPrivileges: boolean;
  logDriver: 'none';
  tmpfs: string[];
  limits: { cpu: number; memoryMiB: number; pids: number; nofile: number; nproc: number; timeoutSeconds: number };
  /** Where the secret files were: tmpfs, disk (an admin allowed it), or none needed. */
  secrets: 'tmpfs' | 'disk' | 'none';
  /** The enrolled node the run ran on (absent: this workstation). */
  node?: string;
  /** On a node: the sandbox as the node's engine reported it after creating the container. */
  inspected?: InspectedSandbox;
}

export interface SandboxInput {
  runId: string;
  instanceId: string;
  /** The lease epoch of the runner that made the container. */
  epoch: number;
  workstationId: string;
  bundle: { name: string; version: string };
  task: CodebundleTask;
  imageId: string;
  imageUser: string;
  engine: EngineInfo;
  network: NetworkChoice;
  /** Effective timeout (the task's, capped by the site maximum). */
  timeoutSeconds: number;
  deadline: Date;
  /** Config variables as validated. */
  configEnv: Record<string, string>;
  reason: string | null;
  outputDir: string;
  secretsDir: string | null;
  secretsOn: SandboxRecord['secrets'];
  files: FileMount[];
  containerName: string;
  /** On a node: per-run tmpfs volumes instead of every bind mount (outputDir, secretsDir and files are then unused). */
  volumes?: VolumeMount[];
}

export function buildSandbox(input: SandboxInput): { spec: ContainerSpec; record: SandboxRecord } {
  const { task } = input;
  const user = taskUser(input.imageUser);
  const env: Record<string, string> = {
    ...input.configEnv,
    HOME: '/tmp',
    [TASK_ENV.outputDir]: CONTAINER_PATHS.output,
    [TASK_ENV.secretsDir]: CONTAINER_PATHS.secrets,
    [TASK_ENV.taskId]: task.id,
    [TASK_ENV.taskName]: task.title,
    [TASK_ENV.runId]: input.runId,
    [TASK_ENV.bundleName]: input.bundle.name,
    [TASK_ENV.bundleVersion]: input.bundle.version,
  };
  if (task.access === 'read-write' && input.reason) env[TASK_ENV.runReason] = input.reason;
  const mounts: BindMount[] = [];
  if (!input.volumes) {
    mounts.push({ source: input.outputDir, target: CONTAINER_PATHS.output, readOnly: false });
    if (input.secretsDir) mounts.push({ source: input.secretsDir, target: CONTAINER_PATHS.secrets, readOnly: true });
    for (const f of input.files) mounts.push({ source: f.hostPath, target: f.containerPath, readOnly: true });
  }
  const limits = {
    cpu: task.resources.cpu,
    memoryMiB: task.resources.memoryMiB,
    pids: task.resources.pids,
    nofile: ULIMITS.nofile,
    nproc: ULIMITS.nproc,
    timeoutSeconds: input.timeoutSeconds,
  };
  const spec: ContainerSpec = {
    name: input.containerName,
    image: input.imageId,
    command: [...task.command],
    env,
    user,
    workingDir: CODEBUNDLE_DIR,
    labels: {
      [LABELS.runId]: input.runId,
      [LABELS.instanceId]: input.instanceId,
      [LABELS.epoch]: String(input.epoch),
      [LABELS.deadline]: input.deadline.toISOString(),
      [LABELS.workstation]: input.workstationId,
      [LABELS.bundle]: `${input.bundle.name}@${input.bundle.version}`,
    },
    network: input.network.engineNetwork,
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges:true'],
    tmpfs: { '/tmp': TMP_TMPFS_OPTIONS },
    mounts,
    ...(input.volumes ? { volumes: input.volumes } : {}),
    limits: {
      memoryBytes: limits.memoryMiB * 1024 * 1024,
      nanoCpus: Math.round(limits.cpu * 1e9),
      pids: limits.pids,
      nofile: limits.nofile,
      nproc: limits.nproc,
    },
    logDriver: 'none',
  };
  const record: SandboxRecord = {
    engine: input.engine.name,
    engineVersion: input.engine.version,
    apiVersion: input.engine.apiVersion,
    rootless: input.engine.rootless,
    socket: input.engine.socket,
    network: input.network.engineNetwork,
    networkKind: input.network.kind,
    user,
    imageId: input.imageId,
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    noNewPrivileges: true,
    logDriver: 'none',
    tmpfs: ['/tmp'],
    limits,
    secrets: input.secretsOn,
  };
  return { spec, record };
}
