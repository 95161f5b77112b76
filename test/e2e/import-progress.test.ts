/**
 * Issue 15 item 8 in Debian's Chromium: importing from a real registry (Debian's docker-registry, a
 * private instance on 127.0.0.1) into the real engine, the Import screen draws one bar per layer of the
 * image with its bytes and percent, fed by the core's layer fetch through `bundles.importProgress`.
 * Every bar the page drew is recorded while the import runs: each layer has its own bar, its numbers
 * only grow, and each ends at its size from the signed manifest (100%). Shot light and dark at
 * 1024x768 and 1920x1080 (test-results/screenshots/<size>/import-progress-*).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot, SIZES } from './browser';
import { closeRunningHarness, shown, Windows } from './windows';
import { ROOT } from './build-renderer';
import { ImportPage, ShellPage } from './pages';
import { buildImage } from '../../src/oci';
import { CODEBUNDLE_DEFAULT_PATH, CODEBUNDLE_LABEL } from '../../src/bundles';
import { pushSigned, signSample } from '../../samples/tools/build-mirror';
import { formatBytes } from '../../renderer/src/format';
import { startRegistry, type TestRegistry } from '../integration/mirror/registry-fixture';

const ADMIN = { name: 'ines', password: 'ines brings bundles across the gap' };
const OPERATOR = { name: 'ivo', first: 'first-password-ivo', password: 'ivo imports on the night shift' };
const KEY = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.key'));
const MiB = 1024 * 1024;
/** Two layers of incompressible bytes after the bundle's own files: three bars, big enough to be seen moving. */
const RANDOM_LAYERS = [12 * MiB, 8 * MiB];

const skip = process.env.DOCKER_HOST ? false : 'SKIP: no DOCKER_HOST, so no engine to import into (eval "$(test/services.sh start)")';
if (skip) console.log(`import-progress.test.ts: ${skip}`);

async function pushBundle(registry: TestRegistry, name: string): Promise<{ ref: string; layers: number[] }> {
  const yaml = [
    'apiVersion: airgap-runner.io/v1',
    `name: ${name}`,
    'version: 1.0.0',
    'description: Import progress fixture.',
    'maintainer: Tests <tests@airgap-runner.invalid>',
    'tasks:',
    '  - id: look',
    '    title: Look Around',
    '    tags: [access:read-only]',
    '    access: read-only',
    '    command: [/bin/sh, /codebundle/run.sh]',
  ].join('\n');
  const image = await buildImage({
    files: [
      { path: '/codebundle/codebundle.yaml', content: yaml },
      { path: '/codebundle/run.sh', content: 'echo hello\n', mode: 0o755 },
    ],
    layers: RANDOM_LAYERS.map((size, i) => ({ random: { seed: `${name}-${i}`, size, path: `/data/blob-${i}` } })),
    config: { user: '65534:65534', labels: { [CODEBUNDLE_LABEL]: CODEBUNDLE_DEFAULT_PATH } },
  });
  const repository = `progress/${name}`;
  const signed = await signSample({ name, version: '1.0.0', repository, image }, KEY, repository);
  await pushSigned(registry.baseUrl, '', signed);
  return { ref: `${repository}:1.0.0`, layers: image.manifest.layers.map((l) => l.size) };
}

/** "1.5 MiB of 12.0 MiB (12%)" → 12 */
function percentOf(text: string): number {
  const m = /\((\d+)%\)\s*$/.exec(text);
  assert.ok(m, `a bar's numbers end with its percent: ${text}`);
  return Number(m[1]);
}

describe('import progress per layer in Chromium, from a real registry', { timeout: 300_000, skip }, () => {
  let harness: Harness;
  let browser: Browser;
  let registry: TestRegistry;
  let operator: Page;
  const windows = new Windows(() => ({ browser, harness }));

  before(async () => {
    const started = await startRegistry({ private: true });
    if ('skip' in started) throw new Error(`import-progress.test.ts needs docker-registry: ${started.skip}`);
    registry = started;
    harness = await startHarness();
    browser = await launchBrowser();
    const admin = await windows.setup(ADMIN);
    operator = await windows.trustSampleAndSignInOperator(admin, OPERATOR);
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await closeRunningHarness(harness, true);
    await registry?.stop();
  });

  for (const size of SIZES) {
    it(`draws one bar per layer with bytes and percent, each reaching its size, at ${size.width}x${size.height}`, async () => {
      const name = `progress-${size.width}-${randomBytes(3).toString('hex')}`;
      const pushed = await pushBundle(registry, name);
      assert.equal(pushed.layers.length, 3);
      await operator.setViewportSize(size);
      await new ShellPage(operator).open('Import', 'Import from a mirror');
      const page = new ImportPage(operator);
      await page.listRegistry(registry.url);
      await page.recordLayerBars();
      await page.importButton(pushed.ref).click();
      // The bars, shot as soon as they are drawn (the engine's load keeps them on screen a moment).
      await shown(page.layerBar(3, 3));
      await shoot(operator, `import-progress-01-layers`, { sized: true });
      await page.result.waitFor({ timeout: 120_000 });
      await shown(page.result.getByRole('heading', { name: new RegExp(`${name} 1.0.0 imported`) }));

      const states = await page.layerBarStates();
      assert.deepEqual(Object.keys(states).sort(), ['Layer 1 of 3', 'Layer 2 of 3', 'Layer 3 of 3'], 'one bar per layer');
      pushed.layers.forEach((bytes, i) => {
        const seen = states[`Layer ${i + 1} of 3`]!;
        const percents = seen.map(percentOf);
        assert.deepEqual(
          percents,
          [...percents].sort((a, b) => a - b),
          `layer ${i + 1}'s bar only grows: ${seen.join(' | ')}`,
        );
        assert.equal(percents.at(-1), 100, `layer ${i + 1} ends at 100%: ${seen.join(' | ')}`);
        const last = seen.at(-1)!;
        const [got, of] = last.split(' of ');
        assert.equal(got, of!.replace(/ \(100%\)$/, ''), `layer ${i + 1} ends with all its bytes: ${last}`);
        assert.equal(of, `${formatBytes(bytes)} (100%)`, `layer ${i + 1}'s size as the signed manifest says`);
      });
      // The biggest layer was seen on its way, not only done.
      const big = states['Layer 2 of 3']!.map(percentOf);
      assert.ok(big.length >= 2, `the 12 MiB layer's bar moved: ${states['Layer 2 of 3']!.join(' | ')}`);
      await shoot(operator, 'import-progress-02-done', { sized: true });
    });
  }
});
