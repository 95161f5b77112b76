/**
 * The container engine port: everything the import pipeline and the runner ask of Docker Engine or
 * Podman. Constructor-injected wherever it is used, so tests and both features share one instance.
 * Implementations talk to a local unix socket only (see socket.ts).
 */
import type { Readable } from 'node:stream';

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
  /** `unix:///path` of the socket talked to. */
  socket: string;
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

  // --- images ---
  /**
   * Loads a docker-save tar (Docker 20.10 cannot load OCI archives), from a file or streamed. The
   * engine loads nothing until the tar is complete: a stream that fails part-way (or `signal`) cuts
   * the request and the engine keeps nothing. VERIFY_FAILED when the engine refuses the image.
   */
  loadImage(dockerSaveTar: string | NodeJS.ReadableStream, options?: { signal?: AbortSignal }): Promise<LoadResult>;
  /** By id or name; null when the engine has no such image. */
  inspectImage(idOrName: string): Promise<ImageDetails | null>;
  /** By id or name; removing a name only untags unless it was the last one. NOT_FOUND when absent. */
  removeImage(idOrName: string, options?: { force?: boolean }): Promise<void>;
  listImages(filter?: LabelFilter): Promise<ImageSummary[]>;

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
