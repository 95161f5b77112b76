/**
 * An in-memory ContainerEngine for unit tests of the runner's control flow (the integration tests use
 * the real engines). A container "runs" a behaviour the test picks from its spec: output lines,
 * files written into its output mount, an exit code, or hanging until killed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ApiError } from '../../../src/kernel';
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
  NetworkInfo,
} from '../../../src/engine/types';

export interface Behaviour {
  stdout?: string;
  stderr?: string;
  files?: Record<string, string>;
  exitCode?: number;
  /** Never exits by itself (until killed). */
  hang?: boolean;
}

interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  running: boolean;
  exited: boolean;
  exitCode: number;
  stdout: PassThrough;
  stderr: PassThrough;
  onExit: Array<() => void>;
}

export class FakeEngine implements ContainerEngine {
  readonly containers = new Map<string, FakeContainer>();
  readonly removed: string[] = [];
  readonly images = new Map<string, ImageDetails>();
  readonly networks: NetworkInfo[] = [];
  private n = 0;

  constructor(public behave: (spec: ContainerSpec) => Behaviour = () => ({ exitCode: 0 })) {}

  addImage(id: string, user = '65534:65534'): void {
    this.images.set(id, { id, repoTags: [], labels: {}, os: 'linux', architecture: 'amd64', user, size: 1, created: '' });
  }

  async saveImage(): Promise<NodeJS.ReadableStream> {
    throw new Error('FakeEngine: saveImage is not faked');
  }
  async securityFacts(): Promise<EngineSecurityFacts> {
    return { cgroupVersion: '2', seccomp: true, pidsLimit: true, memoryLimit: true, securityOptions: ['name=seccomp'], kernelVersion: '' };
  }
  async createTmpfsVolume(): Promise<void> {
    throw new Error('FakeEngine: volumes are not faked');
  }
  async removeVolume(): Promise<void> {
    throw new Error('FakeEngine: volumes are not faked');
  }
  async listVolumes(): Promise<string[]> {
    return [];
  }
  async putArchive(): Promise<void> {
    throw new Error('FakeEngine: archives are not faked');
  }
  async getArchive(): Promise<NodeJS.ReadableStream> {
    throw new Error('FakeEngine: archives are not faked');
  }
  async inspectSandbox(): Promise<InspectedSandbox | null> {
    return null;
  }

  async info(): Promise<EngineInfo> {
    return {
      name: 'Docker',
      version: 'fake-1',
      apiVersion: '1.41',
      rootless: false,
      os: 'linux',
      arch: 'amd64',
      socket: 'unix:///fake.sock',
    };
  }
  async loadImage(): Promise<never> {
    throw new Error('not in the fake');
  }
  async inspectImage(id: string): Promise<ImageDetails | null> {
    return this.images.get(id) ?? null;
  }
  async removeImage(): Promise<void> {}
  async listImages(): Promise<never[]> {
    return [];
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    if (!this.images.has(spec.image)) throw new ApiError('NOT_FOUND', 'no such image');
    const id = `fake${++this.n}`;
    this.containers.set(id, {
      id,
      spec,
      running: false,
      exited: false,
      exitCode: -1,
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      onExit: [],
    });
    return id;
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new ApiError('NOT_FOUND', `no container ${id}`);
    return c;
  }

  async attach(id: string): Promise<AttachedStreams> {
    const c = this.get(id);
    const closed = new Promise<void>((resolve) => c.onExit.push(resolve));
    return { stdout: c.stdout, stderr: c.stderr, closed, detach: () => undefined };
  }

  async start(id: string): Promise<void> {
    const c = this.get(id);
    c.running = true;
    const b = this.behave(c.spec);
    const output = c.spec.mounts.find((m) => m.target === '/airgap/output')!.source;
    setImmediate(() => {
      for (const [name, text] of Object.entries(b.files ?? {})) writeFileSync(join(output, name), text);
      if (b.stdout) c.stdout.write(b.stdout);
      if (b.stderr) c.stderr.write(b.stderr);
      if (!b.hang) this.exit(c, b.exitCode ?? 0);
    });
  }

  private exit(c: FakeContainer, code: number): void {
    if (c.exited) return;
    c.exited = true;
    c.running = false;
    c.exitCode = code;
    c.stdout.end();
    c.stderr.end();
    for (const f of c.onExit.splice(0)) f();
  }

  async wait(id: string): Promise<{ exitCode: number }> {
    const c = this.get(id);
    if (!c.exited) await new Promise<void>((resolve) => c.onExit.push(resolve));
    return { exitCode: c.exitCode };
  }

  async kill(id: string): Promise<void> {
    const c = this.get(id);
    if (!c.running) throw new ApiError('CONFLICT', 'not running');
    this.exit(c, 137);
  }

  async remove(id: string): Promise<void> {
    const c = this.get(id);
    this.exit(c, c.exitCode === -1 ? 137 : c.exitCode);
    this.containers.delete(id);
    this.removed.push(id);
  }

  async inspectContainer(id: string): Promise<ContainerState | null> {
    const c = this.containers.get(id);
    if (!c) return null;
    return {
      id,
      name: c.spec.name ?? id,
      image: c.spec.image,
      labels: c.spec.labels,
      status: c.running ? 'running' : 'exited',
      running: c.running,
      exitCode: c.exitCode,
      oomKilled: false,
      startedAt: '',
      finishedAt: '',
      error: '',
    };
  }

  async listContainers(filter?: { label?: string }): Promise<ContainerSummary[]> {
    const [key, value] = (filter?.label ?? '').split('=');
    return [...this.containers.values()]
      .filter((c) => !key || (value === undefined ? key in c.spec.labels : c.spec.labels[key] === value))
      .map((c) => ({
        id: c.id,
        names: [c.spec.name ?? c.id],
        imageId: c.spec.image,
        labels: c.spec.labels,
        state: c.running ? 'running' : 'exited',
      }));
  }

  async createNetwork(options: { name: string; internal: true; labels?: Record<string, string> }): Promise<NetworkInfo> {
    const n = { id: `net${++this.n}`, name: options.name, driver: 'bridge', internal: true, labels: options.labels ?? {} };
    this.networks.push(n);
    return n;
  }
  async listNetworks(): Promise<NetworkInfo[]> {
    return this.networks;
  }
  async removeNetwork(): Promise<void> {}
}
