/**
 * The real desktop app under Playwright's `_electron`, where an Electron binary is installed.
 * Build machines here install the electron package without its binary (it cannot be downloaded),
 * so this suite then says plainly that it was skipped and why.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './build-renderer';

/** The binary the electron package would launch, or null when it was never downloaded. */
function electronBinary(): string | null {
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = process.env.ELECTRON_PATH ?? electronBinary();
const skip = binary
  ? false
  : 'the Electron binary is absent on this machine (electron installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); the browser suite covers the UI';

if (skip) console.log(`electron suite skipped: ${skip}`);

describe('desktop app in Electron', { skip, timeout: 180_000 }, () => {
  it('opens one locked-down window on app:// with the first-run setup, and no Node in the page', async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'main', 'renderer'], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(build.status, 0, 'npm run build');
    const { _electron } = await import('playwright-core');
    const home = mkdtempSync(join(tmpdir(), 'airgap-electron-'));
    const app = await _electron.launch({ executablePath: binary!, args: [ROOT], env: { ...process.env, AIRGAP_RUNNER_HOME: home } });
    try {
      const page = await app.firstWindow();
      await page.getByRole('heading', { name: 'Set up this workstation' }).waitFor();
      assert.match(page.url(), /^app:\/\/airgap-runner\//);
      const exposed = await page.evaluate(() => ({
        api: Object.keys(window.api ?? {}).sort(),
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      assert.deepEqual(exposed, {
        api: ['call', 'chooseFile', 'chooseSaveFile', 'copyText', 'idpSignIn', 'subscribe'],
        require: 'undefined',
        process: 'undefined',
      });
      const status = await page.evaluate(async () => await window.api!.call('system.status', {}));
      assert.equal(status.ok && status.value.initialised, false);
      assert.equal(app.windows().length, 1);
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
