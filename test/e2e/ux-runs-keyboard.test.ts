/**
 * Issue 15's run screens by keyboard only, in Debian's Chromium on a real engine (DOCKER_HOST): an
 * operator starts a run from the catalog (Tab to Run, type the variable, Enter) and starts a long
 * one and cancels it, answering the confirmation by keyboard. Shot at 1024x768 and 1920x1080, light
 * and dark, as ux-runs-16/17. The seeded run screens are in ux-runs.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot, SIZES } from './browser';
import { closeRunningHarness, shown, Windows } from './windows';
import { ROOT } from './build-renderer';
import { ConfirmDialog, ImportPage, RunFormDialog, RunPage, ShellPage } from './pages';
import { ADMIN, OP, tabToControl, trustSampleKeyAndAddOperator } from './ux-runs-shared';
import { writeSignedSample } from '../../samples/tools/build-mirror';

const KEY = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.key'));

const ENGINE_SKIP = process.env.DOCKER_HOST
  ? false
  : 'SKIP: no DOCKER_HOST, so no engine to run tasks on (set -a; . /tmp/services.env; set +a, or run as root with docker.io)';
if (ENGINE_SKIP) console.log(`ux-runs-keyboard.test.ts: ${ENGINE_SKIP}`);

/** A bundle with a task that greets a host (one required variable) and one that counts slowly (to cancel). */
function keyboardBundle(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ux-runs-fixture-')), name);
  mkdirSync(dir);
  copyFileSync(join(ROOT, 'samples', 'bundles', 'host-health', 'results.sh'), join(dir, 'results.sh'));
  writeFileSync(join(dir, 'greet.sh'), '#!/bin/sh\necho "hello $HOST"\n');
  writeFileSync(join(dir, 'slow.sh'), '#!/bin/sh\ni=0\nwhile [ $i -lt 300 ]; do echo "tick $i"; i=$((i+1)); sleep 1; done\n');
  const limits = '    timeoutSeconds: 600\n    resources: { cpu: 0.25, memoryMiB: 32, pids: 16 }\n';
  writeFileSync(
    join(dir, 'codebundle.yaml'),
    [
      'apiVersion: airgap-runner.io/v1',
      `name: ${name}`,
      'version: 1.0.0',
      'description: Keyboard end-to-end fixture.',
      'maintainer: Tests <tests@airgap-runner.invalid>',
      'tasks:',
      '  - id: greet',
      '    title: Greet a host',
      '    tags: [access:read-only]',
      '    access: read-only',
      '    command: [/bin/sh, /codebundle/greet.sh]',
      limits + '    config:\n      - { name: HOST, type: string, required: true, description: The host to greet. }',
      '  - id: slow',
      '    title: Count slowly',
      '    tags: [access:read-only]',
      '    access: read-only',
      '    command: [/bin/sh, /codebundle/slow.sh]',
      limits,
    ].join('\n'),
  );
  return dir;
}

describe('keyboard only, on a real engine: start a run from the catalog, then start one and cancel it', { timeout: 300_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let anna: Page;
  const windows = new Windows(() => ({ browser, harness }));
  const fixture = `ux-keys-${randomBytes(3).toString('hex')}`;
  const files = mkdtempSync(join(tmpdir(), 'airgap-e2e-ux-keys-'));
  let mirror = '';
  let ref = '';

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    if (ENGINE_SKIP) return;
    mirror = join(files, 'mirror');
    const { sample } = await writeSignedSample(mirror, keyboardBundle(fixture), KEY);
    ref = `${sample.repository}:${sample.version}`;
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await closeRunningHarness(harness, !ENGINE_SKIP);
    rmSync(files, { recursive: true, force: true });
  });

  it('setup: trust the sample key, add an operator, import the bundle', { skip: ENGINE_SKIP }, async () => {
    const admin = await windows.setup(ADMIN);
    await trustSampleKeyAndAddOperator(admin);
    anna = await windows.signInFirstTime(OP);
    await new ShellPage(anna).open('Import', 'Import from a mirror');
    const page = new ImportPage(anna);
    harness.dialogs.open.push(mirror);
    await page.listOciFolder();
    await page.importRef(ref);
    await shown(page.result.getByRole('heading', { name: new RegExp(`${fixture} 1.0.0 imported`) }));
  });

  it('starts a run with the keyboard only: Tab to Run, type the variable, Enter', { skip: ENGINE_SKIP }, async () => {
    await anna.setViewportSize(SIZES[0]);
    await new ShellPage(anna).open('Catalog');
    await tabToControl(anna, 'Run Greet a host');
    await anna.keyboard.press('Enter');
    const form = new RunFormDialog(anna);
    await shown(form.variable('HOST'));
    await tabToControl(anna, 'HOST');
    await anna.keyboard.type('db1.dc');
    await shoot(anna, 'ux-runs-16-keyboard-run-form', { sized: true, fullPage: false });
    await anna.keyboard.press('Enter');
    const run = new RunPage(anna);
    await run.waitForOutcome('succeeded');
    await shown(run.log.getByText('hello db1.dc', { exact: true }));
    assert.match(await run.fact('Duration'), /\d s$/);
  });

  it('starts a long run and cancels it with the keyboard only; the run says who cancelled it', { skip: ENGINE_SKIP }, async () => {
    await anna.setViewportSize(SIZES[1]);
    await new ShellPage(anna).open('Catalog');
    await tabToControl(anna, 'Run Count slowly');
    await anna.keyboard.press('Enter');
    const form = new RunFormDialog(anna);
    await tabToControl(anna, 'Start run');
    await anna.keyboard.press('Enter');
    await form.dialog.waitFor({ state: 'detached' });
    const run = new RunPage(anna);
    await shown(run.log.getByText('tick 1', { exact: true }));
    await tabToControl(anna, 'Cancel run…');
    await anna.keyboard.press('Enter');
    const confirm = new ConfirmDialog(anna, /^Cancel run r-/);
    await shown(confirm.box.getByText(/is running: its container is stopped at once/));
    assert.equal(await confirm.focused(), 'Keep it running');
    await anna.keyboard.press('Tab');
    assert.equal(await confirm.focused(), 'Cancel run');
    await anna.keyboard.press('Enter');
    await run.waitForOutcome('cancelled');
    await shown(run.outcome.filter({ hasText: `Cancelled by ${OP.name}.` }));
    await shoot(anna, 'ux-runs-17-run-cancelled', { sized: true, fullPage: false });
  });

  it('no page logged a CSP, Trusted Types or script error', () => {
    assert.deepEqual(windows.errors.flat(), []);
  });
});
