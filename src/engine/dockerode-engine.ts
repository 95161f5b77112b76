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

interface EngineErrorLike {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | string | null;
  reason?: string;
  message?: string;
}

/** Engine messages are shown to people: one line, no control characters, bounded. */
function clean(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ') // eslint-disable-line no-control-regex
    .trim()
    .slice(0, 500);
}

function engineMessage(error: EngineErrorLike): string {
  const json = error.json;
  if (json && typeof json === 'object' && typeof json.message === 'string') return clean(json.message);
  if (typeof json === 'string' && json.trim()) return clean(json);
  return clean(error.reason ?? error.message ?? 'unknown error');
}

const CONNECT_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'ENOTSOCK', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

function archOf(goArch: string | undefined): string {
  const value = (goArch ?? '').toLowerCase();
  return ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[value] ?? value;
}

function labelFilters(filter?: LabelFilter): { filters?: string } {
  return filter?.label ? { filters: JSON.stringify({ label: [filter.label] }) } : {};
}

async function readAll(stream: NodeJS.ReadableStream, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (size < max) parts.push(buffer.subarray(0, max - size));
    size += buffer.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

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
    if (error instanceof ApiError) return error;
    const e = (error ?? {}) as EngineErrorLike;
    if (e.code && CONNECT_ERRORS.has(e.code)) return engineUnavailable(this.socket, e.code, error);
    if (e.code === 'EACCES' || e.code === 'EPERM') {
      return new ApiError(
        'ENGINE_UNAVAILABLE',
        `Permission denied on the container engine socket ${this.socket.url}. Use rootless Podman (preferred), or ask the workstation's administrator for access (membership of the docker group is root-equivalent).`,
        { cause: error },
      );
    }
    const status = e.statusCode;
    const message = engineMessage(e);
    if (status === 404) return new ApiError('NOT_FOUND', `The container engine has no such ${what}: ${message}.`, { cause: error });
    if (status === 409) return new ApiError('CONFLICT', `The container engine refused to ${what}: ${message}.`, { cause: error });
    if (status === 400) return new ApiError('INVALID_INPUT', `The container engine refused to ${what}: ${message}.`, { cause: error });
    if (status === undefined) return engineUnavailable(this.socket, clean(e.message ?? 'no answer'), error);
    return new ApiError('INTERNAL', `The container engine failed to ${what} (HTTP ${status}): ${message}. Check the engine's log.`, {
      cause: error,
    });
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
    const components = (version.Components ?? []) as Array<{ Name?: string; Version?: string }>;
    const podman = components.find((c) => /podman/i.test(c.Name ?? ''));
    const security = Array.isArray(info.SecurityOptions) ? (info.SecurityOptions as unknown[]).map(String) : [];
    return {
      name: podman ? 'Podman' : 'Docker',
      version: podman?.Version ?? version.Version ?? 'unknown',
      apiVersion: version.ApiVersion ?? 'unknown',
      rootless: security.some((option) => /(^|,)name=rootless(,|$)/.test(option)),
      os: (version.Os ?? (typeof info.OSType === 'string' ? info.OSType : 'linux')).toLowerCase(),
      arch: archOf(version.Arch ?? (typeof info.Architecture === 'string' ? info.Architecture : undefined)),
      socket: this.socket.url,
    };
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
    const result: LoadResult = { imageIds: [], tags: [] };
    for (const line of output.split(/\r?\n/)) {
      if (!line.trim()) continue;
      let parsed: { stream?: unknown; error?: unknown; errorDetail?: { message?: unknown } };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        continue;
      }
      const error = parsed.errorDetail?.message ?? parsed.error;
      if (error !== undefined) {
        const text = typeof error === 'string' ? error : JSON.stringify(error);
        throw new ApiError('VERIFY_FAILED', `The container engine refused to load the image: ${clean(text)}.`);
      }
      const text = typeof parsed.stream === 'string' ? parsed.stream.trim() : '';
      const id = /^Loaded image ID: (sha256:[a-f0-9]{64})$/.exec(text)?.[1];
      if (id) result.imageIds.push(id);
      const name = /^Loaded image\(?s?\)?: (.+)$/.exec(text)?.[1];
      if (name && !id) {
        for (const n of name
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (/^sha256:[a-f0-9]{64}$/.test(n)) result.imageIds.push(n);
          else result.tags.push(n);
        }
      }
    }
    return result;
  }

  async inspectImage(idOrName: string): Promise<ImageDetails | null> {
    try {
      const image = await this.bounded('inspect the image', this.docker.getImage(idOrName).inspect());
      const config = (image.Config ?? {}) as { Labels?: Record<string, string> | null; User?: string };
      return {
        id: image.Id,
        repoTags: image.RepoTags ?? [],
        labels: config.Labels ?? {},
        os: image.Os ?? '',
        architecture: image.Architecture ?? '',
        user: config.User ?? '',
        size: image.Size ?? 0,
        created: image.Created ?? '',
      };
    } catch (error) {
      if ((error as EngineErrorLike).statusCode === 404) return null;
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
    const options = Array.isArray(info.SecurityOptions) ? (info.SecurityOptions as unknown[]).map(String) : [];
    return {
      cgroupVersion: typeof info.CgroupVersion === 'string' ? info.CgroupVersion : '',
      seccomp: options.some((o) => /(^|,)name=seccomp(,|$)/.test(o) || o === 'seccomp'),
      pidsLimit: info.PidsLimit === true,
      memoryLimit: info.MemoryLimit === true,
      securityOptions: options.map(clean),
      kernelVersion: typeof info.KernelVersion === 'string' ? clean(info.KernelVersion) : '',
    };
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
      if ((error as EngineErrorLike).statusCode === 404) return null;
      throw this.fail(error, 'inspect the container');
    }
    const h = c.HostConfig as Docker.HostConfig & { LogConfig?: { Type?: string } };
    return {
      readOnlyRootfs: h.ReadonlyRootfs === true,
      capDrop: h.CapDrop ?? [],
      securityOpt: h.SecurityOpt ?? [],
      privileged: h.Privileged === true,
      networkMode: h.NetworkMode ?? '',
      user: c.Config.User ?? '',
      pidsLimit: h.PidsLimit ?? 0,
      memoryBytes: h.Memory ?? 0,
      nanoCpus: h.NanoCpus ?? 0,
      logDriver: h.LogConfig?.Type ?? '',
      mounts: (c.Mounts ?? []).map((m) => ({ type: m.Type, target: m.Destination, readOnly: m.RW === false })),
      tmpfs: Object.keys(h.Tmpfs ?? {}),
    };
  }

  // --- containers ---

  async createContainer(spec: ContainerSpec): Promise<string> {
    const [entrypoint, ...args] = spec.command;
    if (!entrypoint) throw new ApiError('INVALID_INPUT', 'A container needs a command.');
    if (!spec.user.trim()) throw new ApiError('INVALID_INPUT', 'A container needs an explicit user (uid:gid).');
    const options: Docker.ContainerCreateOptions = {
      ...(spec.name ? { name: spec.name } : {}),
      Image: spec.image,
      Entrypoint: [entrypoint],
      Cmd: args,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      User: spec.user,
      WorkingDir: spec.workingDir,
      Labels: spec.labels,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: false,
      Tty: false,
      NetworkDisabled: spec.network === 'none',
      HostConfig: {
        NetworkMode: spec.network,
        ReadonlyRootfs: spec.readOnlyRootfs,
        CapDrop: spec.capDrop,
        SecurityOpt: spec.securityOpt,
        Tmpfs: spec.tmpfs,
        Mounts: [
          ...spec.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
          ...(spec.volumes ?? []).map((v) => ({
            Type: 'volume' as const,
            Source: v.name,
            Target: v.target,
            ReadOnly: v.readOnly,
            VolumeOptions: { NoCopy: true },
          })),
        ] as Docker.MountSettings[],
        Memory: spec.limits.memoryBytes,
        MemorySwap: spec.limits.memoryBytes,
        NanoCpus: spec.limits.nanoCpus,
        PidsLimit: spec.limits.pids,
        Ulimits: [
          { Name: 'nofile', Soft: spec.limits.nofile, Hard: spec.limits.nofile },
          { Name: 'nproc', Soft: spec.limits.nproc, Hard: spec.limits.nproc },
        ],
        LogConfig: { Type: spec.logDriver, Config: {} },
        Privileged: false,
        AutoRemove: false,
        RestartPolicy: { Name: 'no' },
      },
    };
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
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        image: c.Image,
        labels: c.Config.Labels ?? {},
        status: c.State.Status,
        running: c.State.Running,
        exitCode: c.State.ExitCode,
        oomKilled: c.State.OOMKilled,
        startedAt: c.State.StartedAt,
        finishedAt: c.State.FinishedAt,
        error: c.State.Error ?? '',
      };
    } catch (error) {
      if ((error as EngineErrorLike).statusCode === 404) return null;
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

function toNetwork(n: Docker.NetworkInspectInfo): NetworkInfo {
  return { id: n.Id, name: n.Name, driver: n.Driver, internal: n.Internal === true, labels: n.Labels ?? {} };
}
