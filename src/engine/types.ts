/**
 * The container engine port: everything the import pipeline and the runner ask of Docker Engine or
 * Podman. Constructor-injected wherever it is used, so tests and both features share one instance.
 * Implementations talk to a local unix socket only (see socket.ts).
 */
import type { Readable } from 'node:stream';
import type { EngineSocket } from './socket';

export type EngineName = 'Docker' | 'Podman';

export interface EngineInfo {
  name: EngineName;
  /** The engine's own version, e.g. `20.10.24+dfsg1` or `4.3.1`. */
  version: string;
  /** The Docker-compatible API version it speaks, e.g. `1.41`. */
  apiVersion: string;
  /** True when the engine runs without root (Docker rootless, rootless Podman). */
  rootless: boolean;
  /** `linux` */
  os: string;
  /** OCI architecture name (`amd64`, `arm64`), the one images must be built for. */
  arch: string;
  /** `unix:///path` of the socket talked to, or a node's address (`ssh://…`, `tcp://…`). */
  socket: string;
}

/** What an engine says about the hardening it can apply (read at node enrolment, docs/remote-engines.md). */
export interface EngineSecurityFacts {
  /** `1` or `2`; '' when the engine does not say. */
  cgroupVersion: string;
  /** The engine applies a seccomp profile to containers. */
  seccomp: boolean;
  /** The engine can limit a container's process count. */
  pidsLimit: boolean;
  memoryLimit: boolean;
  /** The engine's SecurityOptions as it lists them (`name=seccomp,profile=default`, `name=rootless`, …). */
  securityOptions: string[];
  kernelVersion: string;
}

/** What the engine's inspect of a container says about its sandbox (recorded per run on a node). */
export interface InspectedSandbox {
  readOnlyRootfs: boolean;
  capDrop: string[];
  securityOpt: string[];
  privileged: boolean;
  networkMode: string;
  user: string;
  pidsLimit: number;
  memoryBytes: number;
  nanoCpus: number;
  logDriver: string;
  /** Every mount: its type (`volume`, `tmpfs`, `bind`), target and whether it is writable. */
  mounts: Array<{ type: string; target: string; readOnly: boolean }>;
  tmpfs: string[];
}

export interface VolumeMount {
  /** A named volume (on a node, a per-run tmpfs-backed one). */
  name: string;
  target: string;
  readOnly: boolean;
}

/** A per-run volume whose data lives in the node's RAM only (local driver, tmpfs). */
export interface TmpfsVolumeSpec {
  name: string;
  labels: Record<string, string>;
  /** `0500`, `0700` … */
  mode: string;
  uid: number;
  gid: number;
  /** Omitted on engines that refuse `size=` for tmpfs volumes (Podman 4.3); the task's memory limit bounds it there. */
  sizeBytes?: number;
}

export interface ImageDetails {
  /** `sha256:<hex>` of the image config: the image id. */
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  os: string;
  architecture: string;
  /** The config's `User`, '' when unset. */
  user: string;
  size: number;
  created: string;
}

export interface ImageSummary {
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  size: number;
}

export interface LoadResult {
  /** Image ids the engine says it loaded (`Loaded image ID: sha256:…`). */
  imageIds: string[];
  /** Names it says it loaded (`Loaded image: repo:tag`). */
  tags: string[];
}

export interface BindMount {
  /** Absolute host path. */
  source: string;
  /** Absolute path in the container. */
  target: string;
  readOnly: boolean;
}

/**
 * A container as the runner asks for it. Every hardening field is required, so a caller has to
 * decide each one (ARCHITECTURE.md, "Runner: hardened by default"); nothing is left to engine defaults.
 */
export interface ContainerSpec {
  /** Optional container name (unique per engine). */
  name?: string;
  /** The image id (`sha256:…`): runs never use a tag. */
  image: string;
  /** argv; `[0]` becomes the entrypoint, the rest its arguments (the image's own entrypoint is ignored). */
  command: string[];
  env: Record<string, string>;
  /** `uid:gid`, never empty. */
  user: string;
  workingDir: string;
  labels: Record<string, string>;
  /** `none`, or the name of a network an admin defined. */
  network: string;
  readOnlyRootfs: boolean;
  /** e.g. ['ALL'] */
  capDrop: string[];
  /** e.g. ['no-new-privileges:true'] */
  securityOpt: string[];
  /** Mount point -> options, e.g. { '/tmp': 'rw,noexec,nosuid,size=64m' }. */
  tmpfs: Record<string, string>;
  mounts: BindMount[];
  /** Named volumes (a node never gets bind mounts: docs/remote-engines.md). */
  volumes?: VolumeMount[];
  limits: {
    memoryBytes: number;
    /** CPUs * 1e9. */
    nanoCpus: number;
    pids: number;
    nofile: number;
    nproc: number;
  };
  /** `none`: the engine keeps no copy of the output (taken by attaching before start). */
  logDriver: 'none';
}

export interface AttachedStreams {
  /** The container's stdout, demultiplexed. Ends when the container's output ends. */
  stdout: Readable;
  stderr: Readable;
  /** Resolves when both streams have ended (the container exited or detach() was called). */
  closed: Promise<void>;
  /** Stops listening (the container keeps running). */
  detach(): void;
}

export interface ContainerState {
  id: string;
  name: string;
  /** Image id. */
  image: string;
  labels: Record<string, string>;
  /** created | running | paused | restarting | removing | exited | dead */
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  /** The engine's error for the container, '' when none. */
  error: string;
}

export interface ContainerSummary {
  id: string;
  names: string[];
  /** Image id. */
  imageId: string;
  labels: Record<string, string>;
  state: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  internal: boolean;
  labels: Record<string, string>;
}

export interface LabelFilter {
  /** `key` or `key=value`. */
  label?: string;
}

export interface ContainerEngine {
  /** Engine name, version, API version, rootless or not, OS/arch. ENGINE_UNAVAILABLE when nothing answers. */
  info(): Promise<EngineInfo>;
  /**
   * The facts info() last read, without asking whether the engine answers now: for a caller whose
   * own next request to the engine proves that (a run's image check). Undefined until info() read
   * them, and again once a request found the engine not answering.
   */
  knownInfo?(): Promise<EngineInfo> | undefined;

  // --- images ---
  /**
   * Loads a docker-save tar (Docker 20.10 cannot load OCI archives), from a file or streamed. The
   * engine loads nothing until the tar is complete: a stream that fails part-way (or `signal`) cuts
   * the request and the engine keeps nothing. VERIFY_FAILED when the engine refuses the image.
   */
  /** The local engine's unix socket, for a worker thread's own client; undefined for a remote engine. */
  localSocket?(): EngineSocket | undefined;
  loadImage(dockerSaveTar: string | NodeJS.ReadableStream, options?: { signal?: AbortSignal }): Promise<LoadResult>;
  /** By id or name; null when the engine has no such image. */
  inspectImage(idOrName: string): Promise<ImageDetails | null>;
  /** By id or name; removing a name only untags unless it was the last one. NOT_FOUND when absent. */
  removeImage(idOrName: string, options?: { force?: boolean }): Promise<void>;
  listImages(filter?: LabelFilter): Promise<ImageSummary[]>;
  /** The image as a docker-save tar stream (sent to a node's loadImage). */
  saveImage(id: string): Promise<NodeJS.ReadableStream>;
  /** Hardening the engine can apply (seccomp, cgroup version, pids limit). */
  securityFacts(): Promise<EngineSecurityFacts>;

  // --- volumes and archives (runs on a node: no bind mounts) ---
  createTmpfsVolume(spec: TmpfsVolumeSpec): Promise<void>;
  /** NOT_FOUND when absent. */
  removeVolume(name: string): Promise<void>;
  /** Volume names, optionally with a label. */
  listVolumes(filter?: LabelFilter): Promise<string[]>;
  /** Extracts a tar into a folder of a container (the folder must be a volume of it). */
  putArchive(id: string, path: string, tar: Buffer): Promise<void>;
  /** A folder of a container as a tar stream. */
  getArchive(id: string, path: string): Promise<NodeJS.ReadableStream>;
  /** The sandbox as the engine reports it. null when the engine has no such container. */
  inspectSandbox(id: string): Promise<InspectedSandbox | null>;

  // --- containers (the runner) ---
  createContainer(spec: ContainerSpec): Promise<string>;
  /** Attach before start, so no output is lost and the engine keeps no copy. */
  attach(id: string): Promise<AttachedStreams>;
  start(id: string): Promise<void>;
  /** Waits until the container is not running; returns its exit code. */
  wait(id: string): Promise<{ exitCode: number }>;
  kill(id: string, signal?: string): Promise<void>;
  remove(id: string, options?: { force?: boolean }): Promise<void>;
  /** null when the engine has no such container. */
  inspectContainer(id: string): Promise<ContainerState | null>;
  /** All containers (running or not), optionally with a label. */
  listContainers(filter?: LabelFilter): Promise<ContainerSummary[]>;

  // --- networks ---
  /** Only internal networks (no route out) are ever created. */
  createNetwork(options: { name: string; internal: true; labels?: Record<string, string> }): Promise<NetworkInfo>;
  listNetworks(): Promise<NetworkInfo[]>;
  removeNetwork(idOrName: string): Promise<void>;
}
