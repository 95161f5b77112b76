/**
 * The dockerode shapes, to and from the ContainerEngine port's: the hardened container's create
 * options, the engine's facts, image, container and network details, and the load response.
 */
import type Docker from 'dockerode';
import { ApiError } from '../kernel';
import { clean } from './dockerode-errors';
import type {
  ContainerSpec,
  ContainerState,
  EngineInfo,
  EngineSecurityFacts,
  ImageDetails,
  InspectedSandbox,
  LabelFilter,
  LoadResult,
  NetworkInfo,
} from './types';

function archOf(goArch: string | undefined): string {
  const value = (goArch ?? '').toLowerCase();
  return ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[value] ?? value;
}

export function labelFilters(filter?: LabelFilter): { filters?: string } {
  return filter?.label ? { filters: JSON.stringify({ label: [filter.label] }) } : {};
}

export async function readAll(stream: NodeJS.ReadableStream, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (size < max) parts.push(buffer.subarray(0, max - size));
    size += buffer.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

function securityOptionsOf(info: Record<string, unknown>): string[] {
  return Array.isArray(info.SecurityOptions) ? (info.SecurityOptions as unknown[]).map(String) : [];
}

/** The engine's facts from its /version and /info answers. */
export function toEngineInfo(version: Docker.DockerVersion, info: Record<string, unknown>, socketUrl: string): EngineInfo {
  const components = (version.Components ?? []) as Array<{ Name?: string; Version?: string }>;
  const podman = components.find((c) => /podman/i.test(c.Name ?? ''));
  const security = securityOptionsOf(info);
  return {
    name: podman ? 'Podman' : 'Docker',
    version: podman?.Version ?? version.Version ?? 'unknown',
    apiVersion: version.ApiVersion ?? 'unknown',
    rootless: security.some((option) => /(^|,)name=rootless(,|$)/.test(option)),
    os: (version.Os ?? (typeof info.OSType === 'string' ? info.OSType : 'linux')).toLowerCase(),
    arch: archOf(version.Arch ?? (typeof info.Architecture === 'string' ? info.Architecture : undefined)),
    socket: socketUrl,
  };
}

export function toSecurityFacts(info: Record<string, unknown>): EngineSecurityFacts {
  const options = securityOptionsOf(info);
  return {
    cgroupVersion: typeof info.CgroupVersion === 'string' ? info.CgroupVersion : '',
    seccomp: options.some((o) => /(^|,)name=seccomp(,|$)/.test(o) || o === 'seccomp'),
    pidsLimit: info.PidsLimit === true,
    memoryLimit: info.MemoryLimit === true,
    securityOptions: options.map(clean),
    kernelVersion: typeof info.KernelVersion === 'string' ? clean(info.KernelVersion) : '',
  };
}

/** The image ids and tags a load response names; an error line in it is VERIFY_FAILED. */
export function parseLoadOutput(output: string): LoadResult {
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

export function toImageDetails(image: Docker.ImageInspectInfo): ImageDetails {
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
}

/** What the engine actually applied to a container, for the run's sandbox record. */
export function toInspectedSandbox(c: Docker.ContainerInspectInfo): InspectedSandbox {
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

export function toContainerState(c: Docker.ContainerInspectInfo): ContainerState {
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
}

/** The create request of a hardened container; a spec without a command or an explicit user is refused. */
export function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const [entrypoint, ...args] = spec.command;
  if (!entrypoint) throw new ApiError('INVALID_INPUT', 'A container needs a command.');
  if (!spec.user.trim()) throw new ApiError('INVALID_INPUT', 'A container needs an explicit user (uid:gid).');
  return {
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
}

export function toNetwork(n: Docker.NetworkInspectInfo): NetworkInfo {
  return { id: n.Id, name: n.Name, driver: n.Driver, internal: n.Internal === true, labels: n.Labels ?? {} };
}
