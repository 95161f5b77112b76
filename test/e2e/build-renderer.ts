/**
 * The e2e suites test the built renderer (renderer/dist). This rebuilds it when a source is newer
 * than the build, under a lock directory so parallel suites do not build over each other.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_DIST = join(ROOT, 'renderer', 'dist');
const SOURCES = [
  join(ROOT, 'renderer', 'src'),
  join(ROOT, 'renderer', 'index.html'),
  join(ROOT, 'renderer', 'vite.config.ts'),
  join(ROOT, 'main', 'desktop-api.ts'),
  join(ROOT, 'src', 'api', 'contract'),
  // The Help screen bundles docs/*.md at build time.
  join(ROOT, 'docs'),
];
const LOCK = join(tmpdir(), `airgap-runner-renderer-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function isFresh(): boolean {
  const built = join(RENDERER_DIST, 'index.html');
  return existsSync(built) && statSync(built).mtimeMs >= Math.max(...SOURCES.map(newest));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function ensureRendererBuilt(): Promise<void> {
  if (isFresh()) return;
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another suite is building; a lock older than two minutes is left over from a crash.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (waited > 120_000) throw new Error('timed out waiting for another renderer build');
      await sleep(250);
    }
  }
  try {
    if (isFresh()) return;
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
