/**
 * ContainerEngine over dockerode, for Docker Engine and Podman's Docker-compatible API, on a local
 * unix socket only (socket.ts). Errors become ApiErrors: nothing answering is ENGINE_UNAVAILABLE
 * naming the socket; 404 NOT_FOUND; 409 CONFLICT; an image the engine refuses to load VERIFY_FAILED.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { ApiError } from '../kernel';
import { demuxAttachStream } from './demux';
import {
  createOptions,
  labelFilters,
  parseLoadOutput,
  readAll,
  toContainerState,
  toEngineInfo,
  toImageDetails,
  toInspectedSandbox,
  toNetwork,
  toSecurityFacts,
} from './dockerode-convert';
import { engineFailure, engineMessage, isMissing, type EngineErrorLike } from './dockerode-errors';
import { engineUnavailable, resolveEngineSocket, type EngineSocket, type ResolveSocketOptions } from './socket';
import type {
  AttachedStreams,
  ContainerEngine,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  EngineInfo,
  EngineSecurityFacts,
  ImageDetails,
  InspectedSandbox,
  TmpfsVolumeSpec,
  ImageSummary,
  LabelFilter,
  LoadResult,
  NetworkInfo,
} from './types';

/** How long info() waits for an answer (Podman's /version alone takes about a second). */
const INFO_TIMEOUT_MS = 20_000;
/** Largest load response kept (progress lines); the rest is dropped. */
const MAX_LOAD_OUTPUT = 1024 * 1024;

export interface DockerodeEngineOptions extends ResolveSocketOptions {
  /** An already resolved socket (skips resolution). */
  socket?: EngineSocket;
}

/** How a node's engine is kept from hanging a caller (remote.ts); the local socket has neither. */
export interface EngineBounds {
  /** Aborted when the engine stopped answering: every pending and later request fails with its reason. */
  signal?: AbortSignal;
  /**
   * Deadline of each request that answers at once (everything but wait, load and the bodies of
   * streams, which the signal bounds). docker-modem never settles a request whose connection closed
   * after the response headers, so without this a dropped link hangs the caller.
   */
  requestTimeoutMs?: number;
}

export class DockerodeEngine implements ContainerEngine {
  private readonly docker: Docker;
  private cachedInfo: Promise<EngineInfo> | undefined;

  /** `docker`: an already made client (a node's, over SSH or TLS: remote.ts); else the local socket's. */
  constructor(
    readonly socket: EngineSocket,
    docker?: Docker,
    private readonly bounds: EngineBounds = {},
  ) {
    this.docker = docker ?? new Docker({ socketPath: socket.path });
    this.local = docker === undefined && bounds.signal === undefined && bounds.requestTimeoutMs === undefined;
  }

  private readonly local: boolean;

  /** The unix socket, when this engine is the plain local one (another thread may open its own client to it). */
  localSocket(): EngineSocket | undefined {
    return this.local ? this.socket : undefined;
  }

  /**
   * From the environment: the `engine.socket` setting (given as `setting`), else DOCKER_HOST, else the
   * default sockets. A remote DOCKER_HOST is refused here, before anything is sent.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, options: Omit<DockerodeEngineOptions, 'env'> = {}): DockerodeEngine {
    return new DockerodeEngine(options.socket ?? resolveEngineSocket({ ...options, env }));
  }

  /** Turns whatever dockerode threw into an ApiError. */
  private fail(error: unknown, what: string): ApiError {
    const failure = engineFailure(this.socket, error, what);
    // Not answering: its facts are read again once it answers (it may have restarted as another version).
    if (failure.code === 'ENGINE_UNAVAILABLE') this.cachedInfo = undefined;
    return failure;
  }

  private async run<T>(what: string, work: () => Promise<T>, long = false): Promise<T> {
    try {
      // An engine given up on sends nothing more.
      this.bounds.signal?.throwIfAborted();
      return await this.bounded(what, work(), long);
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  /** `work`, unless the engine was given up on (bounds.signal) or, when not `long`, it took longer than the request deadline. */
  private async bounded<T>(what: string, work: Promise<T>, long = false): Promise<T> {
    const { signal, requestTimeoutMs } = this.bounds;
    const ms = long ? undefined : requestTimeoutMs;
    if (!signal && !ms) return await work;
    return await new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason instanceof ApiError ? signal.reason : engineUnavailable(this.socket, 'given up'));
      const timer = ms
        ? setTimeout(() => reject(engineUnavailable(this.socket, `no answer to "${what}" within ${ms / 1000} s`)), ms)
        : undefined;
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });
  }

  /**
   * Version and platform are read once per instance (Podman's /version alone takes about a second);
   * later calls only ping, so info() still answers "is the engine there now?".
   */
  async info(): Promise<EngineInfo> {
    const cached = this.cachedInfo;
    if (cached) {
      try {
        await this.withTimeout(this.run('answer', async () => await this.docker.ping()));
        return await cached;
      } catch (error) {
        this.cachedInfo = undefined;
        throw error;
      }
    }
    const reading = this.readInfo();
    this.cachedInfo = reading;
    reading.catch(() => {
      if (this.cachedInfo === reading) this.cachedInfo = undefined;
    });
    return await reading;
  }

  knownInfo(): Promise<EngineInfo> | undefined {
    return this.cachedInfo;
  }

  private async withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(engineUnavailable(this.socket, `no answer within ${INFO_TIMEOUT_MS / 1000} s`)), INFO_TIMEOUT_MS);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readInfo(): Promise<EngineInfo> {
    const [version, info] = await this.withTimeout(
      this.run('answer', async () => await Promise.all([this.docker.version(), this.docker.info() as Promise<Record<string, unknown>>])),
    );
    return toEngineInfo(version, info, this.socket.url);
  }

  // --- images ---

  async loadImage(dockerSaveTar: string | NodeJS.ReadableStream, options: { signal?: AbortSignal } = {}): Promise<LoadResult> {
    let output: string;
    try {
      // O_NOFOLLOW: a tar file is ours, in private staging; never follow a link planted there.
      const body =
        typeof dockerSaveTar === 'string'
          ? (await open(dockerSaveTar, constants.O_RDONLY | constants.O_NOFOLLOW)).createReadStream({ highWaterMark: 1 << 20 })
          : dockerSaveTar;
      output = await this.bounded(
        'load the image',
        (async () => {
          const response = await this.docker.loadImage(body, { quiet: '1', ...(options.signal ? { abortSignal: options.signal } : {}) });
          return await readAll(response, MAX_LOAD_OUTPUT);
        })(),
        true,
      );
    } catch (error) {
      if (typeof dockerSaveTar !== 'string' && (error as { name?: string }).name === 'AbortError') {
        throw new ApiError('INTERNAL', 'Loading the image was cancelled; the engine kept nothing.', { cause: error });
      }
      const e = (error ?? {}) as EngineErrorLike;
      if (e.statusCode === 500 || e.statusCode === 400) {
        throw new ApiError('VERIFY_FAILED', `The container engine refused to load the image: ${engineMessage(e)}.`, { cause: error });
      }
      throw this.fail(error, 'load the image');
    }
    return parseLoadOutput(output);
  }

  async inspectImage(idOrName: string): Promise<ImageDetails | null> {
    try {
      // The deadline info() has: a run's image check is what asks whether the engine answers now.
      const image = await this.withTimeout(this.bounded('inspect the image', this.docker.getImage(idOrName).inspect()));
      return toImageDetails(image);
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.fail(error, 'inspect the image');
    }
  }

  async removeImage(idOrName: string, options: { force?: boolean } = {}): Promise<void> {
    await this.run('remove the image', async () => {
      await this.docker.getImage(idOrName).remove({ force: options.force ?? false, noprune: false });
    });
  }

  async listImages(filter?: LabelFilter): Promise<ImageSummary[]> {
    const images = await this.run(
      'list images',
      async () => await this.docker.listImages({ all: false, ...labelFilters(filter) } as Docker.ListImagesOptions),
    );
    return images.map((i) => ({
      id: i.Id,
      repoTags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      labels: i.Labels ?? {},
      size: i.Size,
    }));
  }

  async saveImage(id: string): Promise<NodeJS.ReadableStream> {
    return await this.run('export the image', async () => await this.docker.getImage(id).get());
  }

  async securityFacts(): Promise<EngineSecurityFacts> {
    const info = await this.withTimeout(this.run('answer', async () => (await this.docker.info()) as Record<string, unknown>));
    return toSecurityFacts(info);
  }

  // --- volumes and archives ---

  async createTmpfsVolume(spec: TmpfsVolumeSpec): Promise<void> {
    const o = [`mode=${spec.mode}`, `uid=${spec.uid}`, `gid=${spec.gid}`, 'nosuid', 'nodev', 'noexec'];
    if (spec.sizeBytes !== undefined) o.unshift(`size=${spec.sizeBytes}`);
    await this.run('create the volume', async () => {
      await this.docker.createVolume({
        Name: spec.name,
        Driver: 'local',
        DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: o.join(',') },
        Labels: spec.labels,
      });
    });
  }

  async removeVolume(name: string): Promise<void> {
    await this.run('remove the volume', async () => {
      await this.docker.getVolume(name).remove({ force: true });
    });
  }

  async listVolumes(filter?: LabelFilter): Promise<string[]> {
    const list = await this.run('list volumes', async () => await this.docker.listVolumes(labelFilters(filter)));
    return (list.Volumes ?? []).map((v) => v.Name);
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    await this.run('copy into the container', async () => {
      await this.docker.getContainer(id).putArchive(tar, { path });
    });
  }

  async getArchive(id: string, path: string): Promise<NodeJS.ReadableStream> {
    return await this.run('copy from the container', async () => await this.docker.getContainer(id).getArchive({ path }));
  }

  async inspectSandbox(id: string): Promise<InspectedSandbox | null> {
    let c: Docker.ContainerInspectInfo;
    try {
      c = await this.bounded('inspect the container', this.docker.getContainer(id).inspect());
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.fail(error, 'inspect the container');
    }
    return toInspectedSandbox(c);
  }

  // --- containers ---

  async createContainer(spec: ContainerSpec): Promise<string> {
    const options = createOptions(spec);
    const container = await this.run('create the container', async () => await this.docker.createContainer(options));
    return container.id;
  }

  async attach(id: string): Promise<AttachedStreams> {
    const stream = await this.run('attach to the container', async () => {
      return (await this.docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true, logs: false })) as unknown as Readable;
    });
    const demuxed = demuxAttachStream(stream);
    return { stdout: demuxed.stdout, stderr: demuxed.stderr, closed: demuxed.closed, detach: () => stream.destroy() };
  }

  async start(id: string): Promise<void> {
    await this.run('start the container', async () => {
      await this.docker.getContainer(id).start();
    });
  }

  async wait(id: string): Promise<{ exitCode: number }> {
    const result = await this.run(
      'wait for the container',
      async () => (await this.docker.getContainer(id).wait()) as { StatusCode?: number },
      true,
    );
    return { exitCode: typeof result.StatusCode === 'number' ? result.StatusCode : -1 };
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.run('kill the container', async () => {
      await this.docker.getContainer(id).kill({ signal });
    });
  }

  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.run('remove the container', async () => {
      await this.docker.getContainer(id).remove({ force: options.force ?? false, v: true });
    });
  }

  async inspectContainer(id: string): Promise<ContainerState | null> {
    try {
      const c = await this.bounded('inspect the container', this.docker.getContainer(id).inspect());
      return toContainerState(c);
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.fail(error, 'inspect the container');
    }
  }

  async listContainers(filter?: LabelFilter): Promise<ContainerSummary[]> {
    const list = await this.run(
      'list containers',
      async () => await this.docker.listContainers({ all: true, ...labelFilters(filter) } as Docker.ContainerListOptions),
    );
    return list.map((c) => ({
      id: c.Id,
      names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
      imageId: c.ImageID,
      labels: c.Labels ?? {},
      state: c.State,
    }));
  }

  // --- networks ---

  async createNetwork(options: { name: string; internal: true; labels?: Record<string, string> }): Promise<NetworkInfo> {
    if (options.internal !== true) throw new ApiError('INVALID_INPUT', 'Only internal networks (no route out) may be created.');
    const network = await this.run('create the network', async () => {
      return await this.docker.createNetwork({
        Name: options.name,
        Driver: 'bridge',
        Internal: true,
        CheckDuplicate: true,
        Labels: options.labels ?? {},
      });
    });
    const inspected = await this.run('inspect the network', async () => await network.inspect());
    return toNetwork(inspected);
  }

  async listNetworks(): Promise<NetworkInfo[]> {
    const list = await this.run('list networks', async () => await this.docker.listNetworks());
    return list.map(toNetwork);
  }

  async removeNetwork(idOrName: string): Promise<void> {
    await this.run('remove the network', async () => {
      await this.docker.getNetwork(idOrName).remove();
    });
  }
}
