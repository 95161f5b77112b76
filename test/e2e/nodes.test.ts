/**
 * Issue 17 §5's screen in Debian's Chromium on a real core and encrypted store: the admin enrols the
 * real SSH docker node of `test/services.sh start --remote` through the core (as the CLI would), sees
 * it on the Nodes screen with its status, engine and pinned fingerprint, and removes it after the
 * confirm step (a cancel first, which changes nothing). Meanwhile an operator's run form offers it
 * under "Run on", this workstation first. Screens are shot light and dark at 1024x768
 * and 1920x1080.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, shoot } from './browser';
import { ROOT } from './build-renderer';
import { CatalogPage, NodesPage, RunFormDialog, ShellPage, SignInPage } from './pages';
import { completeFirstRun } from './windows';
import { dispatch } from '../../src/api/dispatcher';
import { insertBundle } from '../../src/bundles/catalog';
import { addUser } from '../helpers/core';
import { sampleBundle } from '../helpers/bundles';

const ADMIN = { name: 'nora', password: 'nora looks after the nodes' };
const NODE = 'build-east';
const SIZES = [
  { width: 1024, height: 768 },
  { width: 1920, height: 1080 },
] as const;
const env = process.env;
const NEEDED = ['AIRGAP_TEST_NODE_SSH_DOCKER', 'AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY', 'AIRGAP_TEST_NODE_SSH_KEY'];
const missing = NEEDED.filter((n) => !env[n]);
const skip =
  missing.length > 0 ? `SKIP: no remote test node (${missing.join(', ')} unset): eval "$(test/services.sh start --remote)"` : false;

async function shootSizes(page: Page, name: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await shoot(page, name, { sized: true });
  }
  await page.setViewportSize(SIZES[0]);
}

describe('nodes screen in Chromium', { timeout: 240_000, skip }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page; errors: string[] };
  let fingerprint = '';

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
  });

  after(async () => {
    await admin?.context.close();
    await browser?.close();
    await harness?.close();
  });

  it('the admin sets up the store and enrols the SSH docker node', async () => {
    admin = await openApp(browser, harness);
    await completeFirstRun(admin.page, ADMIN);
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    const added = await dispatch(harness.core, session, 'nodes.add', {
      name: NODE,
      address: env.AIRGAP_TEST_NODE_SSH_DOCKER!,
      pin: readFileSync(env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!, 'utf8'),
      privateKey: readFileSync(env.AIRGAP_TEST_NODE_SSH_KEY!, 'utf8'),
      labels: { site: 'east' },
      maxConcurrency: 3,
    });
    assert.equal(added.state, 'enabled');
    fingerprint = added.fingerprint;
    assert.match(fingerprint, /^SHA256:/);
  });

  it('lists the node with its status, engine, labels and pinned fingerprint', async () => {
    const page = admin.page;
    await page.setViewportSize(SIZES[0]);
    await new ShellPage(page).open('Nodes');
    const nodes = new NodesPage(page);
    await nodes.heading.waitFor();
    const row = nodes.row(NODE);
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /Enabled/);
    assert.match(text, /Docker \d+\.\d+/);
    assert.match(text, /Docker over SSH/);
    assert.match(text, /(Yes|No) · v\d/);
    assert.match(text, /site=east/);
    assert.match(text, /at most 3/);
    // The fingerprint is shown short with the whole one as its tooltip, and a Copy button beside it.
    assert.equal(await row.getByTitle(fingerprint, { exact: true }).count(), 1);
    await row.getByRole('button', { name: `Copy identity of ${NODE}` }).waitFor();
    await shootSizes(page, 'nodes-01-list');
  });

  it("an operator's run form offers the enabled node under Run on", async () => {
    insertBundle(harness.core.store.db, sampleBundle('host-health', 'c'));
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    const pub = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');
    await dispatch(harness.core, session, 'trust.addKey', { pem: pub, comment: 'sample key' });
    const operator = await addUser(harness.core, session, 'otto', ['operator']);
    const app = await openApp(browser, harness);
    try {
      await app.page.setViewportSize(SIZES[0]);
      await new SignInPage(app.page).signIn('otto', operator.password);
      await new ShellPage(app.page).open('Catalog');
      await new CatalogPage(app.page).runButton('Check Disk Usage of Host Filesystems').click();
      const form = new RunFormDialog(app.page);
      const runOn = form.dialog.getByLabel('Run on', { exact: true });
      await runOn.waitFor();
      assert.deepEqual(await form.options(runOn), ['This workstation', NODE]);
      assert.equal(await runOn.inputValue(), '', 'this workstation unless the operator picks the node');
      await runOn.selectOption(NODE);
      await shootSizes(app.page, 'nodes-02-run-on');
      assert.deepEqual(app.errors, []);
    } finally {
      await app.context.close();
    }
  });

  it('removes the node after a confirm step; cancelling changes nothing', async () => {
    const page = admin.page;
    const nodes = new NodesPage(page);
    let dialog = await nodes.openRemove(NODE);
    assert.match(await dialog.box.innerText(), /credentials this workstation keeps for it are deleted/);
    assert.equal(await dialog.focused(), 'Keep it', 'the safe choice has focus');
    await shootSizes(page, 'nodes-03-confirm-remove');
    await dialog.button('Keep it').click();
    assert.equal(await dialog.box.count(), 0);
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    assert.deepEqual(
      (await dispatch(harness.core, session, 'nodes.list', {})).nodes.map((n) => n.name),
      [NODE],
      'cancel removed nothing',
    );

    dialog = await nodes.openRemove(NODE);
    await dialog.button('Remove the node').click();
    await nodes.statusSays(`${NODE} removed.`);
    await nodes.table.getByText('No nodes are enrolled').waitFor();
    assert.deepEqual((await dispatch(harness.core, session, 'nodes.list', {})).nodes, []);
    await shootSizes(page, 'nodes-04-removed');
    assert.deepEqual(admin.errors, []);
  });
});
