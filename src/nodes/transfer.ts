/**
 * What a run on a node needs besides its container, all through the engine API (no bind mounts on a
 * node, docs/remote-engines.md):
 *  - the verified image, sent from this workstation (the local engine's copy of the imported bytes)
 *    and its id checked on the node before the run; a node never pulls;
 *  - per-run tmpfs-backed named volumes for secrets, files and output, kept mounted by a holder
 *    container, filled with putArchive and read back with getArchive; removed with the holder when
 *    the run ends, also after a failure, and swept by label when a node is next used.
 */
import { ApiError } from '../kernel';
import type { ContainerEngine, VolumeMount } from '../engine';
import { readTar, tarStream, type TarInputEntry } from '../oci';
import { ensureHolder, holderSpec } from './holder';

/** Every container and volume a run makes on a node carries these labels. */
export const NODE_LABELS = {
  runId: 'io.airgap-runner.run-id',
  workstation: 'io.airgap-runner.workstation',
  part: 'io.airgap-runner.part',
} as const;

const MiB = 1024 * 1024;
/** Largest output read back from a node (issues.jsonl, report.jsonl and metrics.jsonl are capped at 4 MiB each when read). */
export const MAX_OUTPUT_BYTES = 16 * MiB;

/** Sends the image to the node unless it has it; the id the node computes must be the verified one. */
export async function sendImage(local: ContainerEngine, node: ContainerEngine, imageId: string): Promise<'present' | 'sent'> {
  const there = await node.inspectImage(imageId);
  if (there?.id === imageId) return 'present';
  const mine = await local.inspectImage(imageId);
  if (mine?.id !== imageId)
    throw new ApiError('NOT_FOUND', `This workstation's engine no longer has the image ${imageId} to send. Import the bundle again.`);
  const loaded = await node.loadImage(await local.saveImage(imageId));
  const after = await node.inspectImage(imageId);
  if (after?.id !== imageId) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The node did not load the verified image ${imageId} (it loaded ${loaded.imageIds.join(', ') || 'nothing'}); the run was refused.`,
    );
  }
  return 'sent';
}

export interface RunSpaceInput {
  runId: string;
  workstationId: string;
  /** The node's architecture (the holder is built for it). */
  arch: string;
  /** Docker takes `size=` for tmpfs volumes; Podman 4.3 refuses it. */
  sizeLimits: boolean;
  /** `uid:gid` the task runs as: it owns the volumes. */
  user: string;
  /** Secret name -> value (wiped by the caller afterwards). */
  secrets: ReadonlyMap<string, Buffer>;
  /** File variable name -> its bytes. */
  files: ReadonlyMap<string, Buffer>;
  /** Limits the holder container gets (the task's are set by the runner). */
  memoryBytes: number;
}

interface Part {
  key: 'secrets' | 'files' | 'output';
  volume: string;
  /** Where the holder mounts it. */
  at: string;
}

/** A run's volumes and holder on a node. */
export class NodeRunSpace {
  private holderId: string | null = null;
  private readonly parts: Part[] = [];
  private readonly created: string[] = [];

  private constructor(
    private readonly engine: ContainerEngine,
    private readonly input: RunSpaceInput,
  ) {}

  /** Creates the volumes and the holder, and copies secrets and files in. */
  static async prepare(engine: ContainerEngine, input: RunSpaceInput): Promise<NodeRunSpace> {
    const space = new NodeRunSpace(engine, input);
    try {
      await space.build();
    } catch (error) {
      await space.destroy();
      throw error;
    }
    return space;
  }

  private labels(part: string): Record<string, string> {
    return { [NODE_LABELS.runId]: this.input.runId, [NODE_LABELS.workstation]: this.input.workstationId, [NODE_LABELS.part]: part };
  }

  private async build(): Promise<void> {
    const { input, engine } = this;
    const [uid, gid] = input.user.split(':').map(Number) as [number, number];
    const wanted: Array<{ key: Part['key']; mode: string; size: number }> = [{ key: 'output', mode: '0700', size: 64 * MiB }];
    if (input.secrets.size > 0) wanted.push({ key: 'secrets', mode: '0500', size: 1 * MiB });
    if (input.files.size > 0) wanted.push({ key: 'files', mode: '0500', size: 64 * MiB });
    for (const w of wanted) {
      const volume = `airgap-${input.runId}-${w.key}`;
      await engine.createTmpfsVolume({
        name: volume,
        labels: this.labels(w.key),
        mode: w.mode,
        uid,
        gid,
        ...(input.sizeLimits ? { sizeBytes: w.size } : {}),
      });
      this.created.push(volume);
      this.parts.push({ key: w.key, volume, at: `/h/${w.key}` });
    }
    const holderImage = await ensureHolder(engine, input.arch);
    const spec = holderSpec({
      name: `airgap-${input.runId}-holder`,
      image: holderImage,
      labels: this.labels('holder'),
      volumes: this.parts.map((p) => ({ name: p.volume, target: p.at, readOnly: false })),
    });
    this.holderId = await engine.createContainer(spec);
    await engine.start(this.holderId);
    for (const [key, values] of [
      ['secrets', input.secrets],
      ['files', input.files],
    ] as const) {
      if (values.size === 0) continue;
      const entries: TarInputEntry[] = [...values].map(([name, body]) => ({
        type: 'file',
        path: name,
        mode: 0o444,
        size: body.length,
        body,
      }));
      await engine.putArchive(this.holderId, `/h/${key}`, await collect(tarStream(entries)));
    }
    // A holder that stopped has taken the volumes' content with it: the task would start without its
    // secrets. Say so rather than run.
    const holder = await engine.inspectContainer(this.holderId);
    if (!holder?.running) {
      throw new ApiError(
        'INTERNAL',
        `The node stopped the container that keeps this run's secrets and output (status ${holder?.status ?? 'gone'}, exit code ${holder?.exitCode ?? '?'}); the run did not start. Check the node engine's log.`,
      );
    }
  }

  /** The task's volumes: secrets and files read-only, output writable. */
  taskVolumes(targets: { secrets: string; files: string; output: string }): VolumeMount[] {
    return this.parts.map((p) => ({ name: p.volume, target: targets[p.key], readOnly: p.key !== 'output' }));
  }

  /** Regular files at the top of the output volume, each at most `maxBytes` (others are skipped and named). */
  async readOutput(names: readonly string[]): Promise<{ files: Map<string, Buffer>; warnings: string[] }> {
    const files = new Map<string, Buffer>();
    const warnings: string[] = [];
    if (!this.holderId) return { files, warnings };
    const stream = await this.engine.getArchive(this.holderId, '/h/output');
    const tar = readTar(stream as AsyncIterable<Buffer>, { maxTotalSize: MAX_OUTPUT_BYTES, maxEntries: 10_000, allowSymlinks: true });
    try {
      for await (const entry of tar) {
        const name = entry.path.replace(/^(\.\/|output\/)/, '');
        if (!names.includes(name)) continue;
        if (entry.type !== 'file') {
          warnings.push(`${name} is not a regular file; it was not read`);
          continue;
        }
        const parts: Buffer[] = [];
        for await (const chunk of entry.body()) parts.push(chunk);
        files.set(name, Buffer.concat(parts));
      }
    } catch (error) {
      warnings.push(`The output could not be read back from the node (${(error as Error).message.slice(0, 200)}).`);
    }
    return { files, warnings };
  }

  /** Removes the holder and every volume; returns problems as warnings (the sweep removes leftovers). */
  async destroy(): Promise<string[]> {
    const warnings: string[] = [];
    if (this.holderId) {
      await this.engine.remove(this.holderId, { force: true }).catch((e: unknown) => warnings.push(`holder: ${(e as Error).message}`));
      this.holderId = null;
    }
    for (const volume of this.created.splice(0)) {
      await this.engine.removeVolume(volume).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'NOT_FOUND')) warnings.push(`volume ${volume}: ${(e as Error).message}`);
      });
    }
    return warnings;
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * Removes what runs of this workstation left on a node (a crash, a lost connection): containers
 * first, then volumes. `keep` names runs still running here.
 */
export async function sweepNode(engine: ContainerEngine, workstationId: string, keep: ReadonlySet<string> = new Set()): Promise<number> {
  const label = `${NODE_LABELS.workstation}=${workstationId}`;
  let removed = 0;
  for (const c of await engine.listContainers({ label })) {
    if (keep.has(c.labels[NODE_LABELS.runId] ?? '')) continue;
    await engine.remove(c.id, { force: true }).catch(() => undefined);
    removed += 1;
  }
  for (const v of await engine.listVolumes({ label })) {
    if ([...keep].some((id) => v.startsWith(`airgap-${id}-`))) continue;
    await engine.removeVolume(v).catch(() => undefined);
    removed += 1;
  }
  return removed;
}
