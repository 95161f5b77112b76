/**
 * Private staging for one import: `<home>/staging/import-<pid>-<random>`, 0700, removed afterwards
 * whatever happens. A folder left by a process that died (its pid no longer runs) is swept when the
 * next core starts and before each import.
 */
import { readdirSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../kernel';

const PREFIX = 'import-';

export async function createStaging(root: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const dir = await mkdtemp(join(root, `${PREFIX}${process.pid}-`));
  await chmod(dir, 0o700);
  return dir;
}

/** Removes import folders whose process is gone. Never touches anything else under `root`. */
export function sweepStaleStaging(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(/^import-(\d+)-[A-Za-z0-9]+$/.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
