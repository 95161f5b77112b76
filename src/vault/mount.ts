/**
 * Secret folders for runs (ARCHITECTURE.md, "Runner"): the vault items a task declares are written as
 * 0444 files into a folder of their own, whose parent on the host is 0700 and lives on tmpfs
 * (`$XDG_RUNTIME_DIR`, else `/dev/shm`), so a secret never reaches a disk. The folder is bind-mounted
 * read-only at /airgap/secrets and removed when the run ends; every folder left by a crash is removed
 * at start-up. Without tmpfs, runs that need secrets are refused unless an admin allowed disk
 * (setting runner.allowSecretsOnDisk), and the run records where its secrets were.
 *
 *   <tmpfs>/airgap-runner-<uid>/            0700, ours, never a link
 *     <workstation id>/                     0700  <- the host parent
 *       <run id>/                           0555  <- mounted at /airgap/secrets
 *         <secret name>                     0444
 */
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeSync,
  constants,
  realpathSync,
  fstatSync,
} from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../kernel';

export interface SecretRoot {
  /** The folder holding one sub-folder per run (mode 0700). */
  dir: string;
  /** Whether it is on tmpfs (false only when an admin allowed disk). */
  tmpfs: boolean;
}

const TMPFS_TYPES = new Set(['tmpfs', 'ramfs']);

/** The file-system type of the mount holding `path` (from /proc/self/mountinfo), or null. */
export function fsTypeOf(path: string): string | null {
  let real: string;
  let table: string;
  try {
    real = realpathSync(path);
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  let best: { point: string; type: string } | null = null;
  for (const line of table.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const point = (left.split(' ')[4] ?? '').replace(/\\040/g, ' ');
    const type = right.split(' ')[0] ?? '';
    const inside = real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type ?? null;
}

export function tmpfsCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/')) out.push(env.XDG_RUNTIME_DIR);
  out.push('/dev/shm');
  return out;
}

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/** Creates (or checks) a private folder: a real directory, ours, 0700. Refuses anything planted. */
function privateDir(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const st = lstatSync(path);
  if (!st.isDirectory() || st.isSymbolicLink())
    throw new ApiError('POLICY_DENIED', `${path} is not a plain folder; secrets are not written there. Remove it and try again.`);
  if (st.uid !== uid())
    throw new ApiError('POLICY_DENIED', `${path} belongs to another user; secrets are not written there. Remove it and try again.`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
}

/**
 * Where this store's runs keep their secret folders. `allowDisk` (the admin setting) permits a
 * folder under the home when no tmpfs is available.
 */
export function secretRoot(options: {
  workstationId: string;
  home: string;
  allowDisk: boolean;
  env?: NodeJS.ProcessEnv;
  candidates?: string[];
}): SecretRoot {
  const candidates = options.candidates ?? tmpfsCandidates(options.env);
  for (const base of candidates) {
    if (!TMPFS_TYPES.has(fsTypeOf(base) ?? '')) continue;
    const top = join(base, `airgap-runner-${uid()}`);
    privateDir(top);
    const dir = join(top, options.workstationId);
    privateDir(dir);
    return { dir, tmpfs: true };
  }
  if (!options.allowDisk) {
    throw new ApiError(
      'POLICY_DENIED',
      `No tmpfs was found for secret files (looked at ${candidates.join(', ')}), so runs that need secrets are refused. Mount a tmpfs there, or ask an admin to allow secrets on disk (setting runner.allowSecretsOnDisk).`,
    );
  }
  const dir = join(options.home, 'secrets');
  privateDir(dir);
  return { dir, tmpfs: false };
}

/** Writes a run's secrets as 0444 files in a folder of its own; returns the folder. */
export function writeRunSecrets(root: SecretRoot, runId: string, secrets: ReadonlyMap<string, Buffer>): string {
  if (!/^[a-z0-9-]+$/.test(runId)) throw new Error('bad run id');
  const dir = join(root.dir, runId);
  mkdirSync(dir, { mode: 0o700 });
  try {
    for (const [name, value] of secrets) {
      if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(name)) throw new Error('bad secret name');
      const fd = openSync(join(dir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o444);
      try {
        let off = 0;
        while (off < value.length) off += writeSync(fd, value, off, value.length - off);
      } finally {
        closeSync(fd);
      }
      chmodSync(join(dir, name), 0o444);
    }
    chmodSync(dir, 0o555);
  } catch (error) {
    removeRunSecrets(root, runId);
    throw error;
  }
  return dir;
}

/** Overwrites and removes a run's secret folder; quiet when it is already gone. */
export function removeRunSecrets(root: SecretRoot, runId: string): void {
  removeFolder(join(root.dir, runId));
}

function removeFolder(dir: string): void {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) {
      rmSync(dir, { force: true });
      return;
    }
    chmodSync(dir, 0o700);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      try {
        const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
        try {
          const size = fstatSync(fd).size;
          if (size > 0) writeSync(fd, Buffer.alloc(size), 0, size, 0);
        } finally {
          closeSync(fd);
        }
      } catch {
        // A link or something odd: just removed below.
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Start-up: removes every run's secret folder under this store's root. Returns how many. */
export function sweepSecretFolders(root: SecretRoot): number {
  let n = 0;
  for (const name of readdirSync(root.dir)) {
    removeFolder(join(root.dir, name));
    n++;
  }
  return n;
}

/** The run folders present now (tests, recovery reports). */
export function listSecretFolders(root: SecretRoot): string[] {
  try {
    return readdirSync(root.dir);
  } catch {
    return [];
  }
}
