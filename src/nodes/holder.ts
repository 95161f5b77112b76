/**
 * The holder: a container from our own tiny image that keeps a run's tmpfs volumes mounted on a
 * node while secrets and files are copied in and the output is read back (Docker unmounts a tmpfs
 * volume, and drops its content, as soon as no container uses it). The image is one static
 * executable that only waits (the `pause` system call, in a loop), built here byte by byte: no shell,
 * no libc, nothing to exploit, the same image id on every machine. amd64 only for now.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../kernel';
import type { ContainerEngine, ContainerSpec, VolumeMount } from '../engine';
import { buildImage, imageBlobs, writeDockerSaveTar } from '../oci';

const BASE = 0x400000;
const HEADER = 64 + 56;

/** x86-64: `1: mov eax, 34 (pause); syscall; jmp 1b` */
const AMD64_CODE = Buffer.from([0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7]);

/** A minimal ELF64 executable: one header, one loadable segment (read + execute), the code. */
export function pauseElf(): Buffer {
  const code = AMD64_CODE;
  const size = HEADER + code.length;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELF, 64-bit, little-endian, version 1, SysV
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // EM_X86_64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(BASE + HEADER), 24); // entry
  b.writeBigUInt64LE(64n, 32); // program headers
  b.writeBigUInt64LE(0n, 40); // no section headers
  b.writeUInt32LE(0, 48);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(0, 58);
  b.writeUInt16LE(0, 60);
  b.writeUInt16LE(0, 62);
  b.writeUInt32LE(1, 64); // PT_LOAD
  b.writeUInt32LE(5, 68); // R + X
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(BigInt(BASE), 80);
  b.writeBigUInt64LE(BigInt(BASE), 88);
  b.writeBigUInt64LE(BigInt(size), 96);
  b.writeBigUInt64LE(BigInt(size), 104);
  b.writeBigUInt64LE(0x1000n, 112);
  code.copy(b, HEADER);
  return b;
}

export const HOLDER_COMMAND = ['/pause'];
export const HOLDER_ARCHES = ['amd64'] as const;

/**
 * The holder container: nobody, no network, read-only, no capabilities, the volumes it keeps
 * mounted, and small limits. Its own cap is the pids cgroup (its one process plus runc's init
 * threads). RLIMIT_NPROC counts every process of uid 65534 on the node, and tasks run as nobody: a
 * cap of 4 there made the holder fail to start on a node already running a few tasks. 512 is the
 * tasks' own nproc.
 */
export function holderSpec(input: { name: string; image: string; labels: Record<string, string>; volumes: VolumeMount[] }): ContainerSpec {
  return {
    name: input.name,
    image: input.image,
    command: [...HOLDER_COMMAND],
    env: {},
    user: '65534:65534',
    workingDir: '/',
    labels: input.labels,
    network: 'none',
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges:true'],
    tmpfs: {},
    mounts: [],
    volumes: input.volumes,
    limits: { memoryBytes: 32 * 1024 * 1024, nanoCpus: 100_000_000, pids: 16, nofile: 64, nproc: 512 },
    logDriver: 'none',
  };
}

let built: Promise<{ id: string; tar: (dir: string) => Promise<string> }> | undefined;

function holderImage(): Promise<{ id: string; tar: (dir: string) => Promise<string> }> {
  built ??= (async () => {
    const image = await buildImage({
      files: [{ path: '/pause', content: pauseElf(), mode: 0o555 }],
      config: { user: '65534:65534', entrypoint: HOLDER_COMMAND, labels: { 'io.airgap-runner.holder': '1' } },
      platform: { os: 'linux', architecture: 'amd64' },
    });
    const blobs = imageBlobs(image);
    return {
      id: image.configDigest,
      tar: async (dir: string) => {
        const path = join(dir, 'holder.tar');
        await writeDockerSaveTar(path, { configBytes: image.configBytes, layers: blobs.slice(1) });
        return path;
      },
    };
  })();
  return built;
}

/** The holder image's id on the node, loading it first when the node lacks it. */
export async function ensureHolder(engine: ContainerEngine, arch: string): Promise<string> {
  if (!(HOLDER_ARCHES as readonly string[]).includes(arch))
    throw new ApiError('INVALID_INPUT', `Nodes of architecture ${arch} are not supported yet (only ${HOLDER_ARCHES.join(', ')}).`);
  const image = await holderImage();
  if ((await engine.inspectImage(image.id))?.id === image.id) return image.id;
  const dir = await mkdtemp(join(tmpdir(), 'airgap-holder-'));
  try {
    const loaded = await engine.loadImage(await image.tar(dir));
    if (!loaded.imageIds.includes(image.id) && (await engine.inspectImage(image.id))?.id !== image.id)
      throw new ApiError('VERIFY_FAILED', `The node loaded the holder image under another id (${loaded.imageIds.join(', ') || 'none'}).`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return image.id;
}
