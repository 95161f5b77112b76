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
import { launchBrowser, openApp, shootSizes, SIZES } from './browser';
import { ROOT } from './build-renderer';
import { CatalogPage, NodesPage, RunFormDialog, ShellPage, SignInPage } from './pages';
import { completeFirstRun } from './windows';
import { dispatch } from '../../src/api/dispatcher';
import { insertBundle } from '../../src/bundles/catalog';
import { NodeRecords } from '../../src/nodes';
import { addUser } from '../helpers/core';
import { sampleBundle } from '../helpers/bundles';

const ADMIN = { name: 'nora', password: 'nora looks after the nodes' };
const NODE = 'build-east';
const env = process.env;
const NEEDED = ['AIRGAP_TEST_NODE_SSH_DOCKER', 'AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY', 'AIRGAP_TEST_NODE_SSH_KEY'];
const missing = NEEDED.filter((n) => !env[n]);
const skip =
  missing.length > 0 ? `SKIP: no remote test node (${missing.join(', ')} unset): eval "$(test/services.sh start --remote)"` : false;

describe('nodes screen in Chromium', { timeout: 240_000, skip }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page; errors: string[] };
  let fingerprint = '';
  let ottoPassword = '';

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
    assert.match(text, /site=east/);
    assert.match(text, /0 of 3/, 'running now, of at most 3');
    // At 1024 px the table fits: nothing scrolls sideways, the row's actions are in view.
    for (const size of SIZES) {
      await page.setViewportSize(size);
      assert.equal(await nodes.scrollsSideways(nodes.table), false, `the table scrolls sideways at ${size.width}x${size.height}`);
      for (const action of [`Details of ${NODE}`, `Prune images on ${NODE}`, `Remove ${NODE}`]) {
        // Wholly inside the window left to right (isInView's corner probe trips on a rounded corner at a fractional x).
        const box = await page.getByRole('button', { name: action, exact: true }).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= size.width, `${action} in view at ${size.width} px: ${JSON.stringify(box)}`);
      }
    }
    await page.setViewportSize(SIZES[0]);
    await shootSizes(page, 'nodes-01-list');
    // The rest is in the row's details: engine facts, how many runs at once, and the pinned identity,
    // shown short with the whole one as its tooltip and a Copy button beside it.
    const details = await nodes.toggleDetails(NODE);
    await details.waitFor();
    const facts = await details.innerText();
    assert.match(facts, /Rootless\s+(Yes|No)/);
    assert.match(facts, /Control groups\s+v\d/);
    assert.match(facts, /Runs at once\s+at most 3/);
    assert.match(facts, new RegExp(`Address\\s+${env.AIRGAP_TEST_NODE_SSH_DOCKER!.replace(/[.:/]/g, '\\$&')}`));
    assert.equal(await details.getByTitle(fingerprint, { exact: true }).count(), 1);
    await details.getByRole('button', { name: `Copy identity of ${NODE}` }).waitFor();
    assert.equal(await page.getByRole('button', { name: `Details of ${NODE}` }).getAttribute('aria-expanded'), 'true');
    assert.equal(await nodes.scrollsSideways(nodes.table), false, 'the details do not widen the table');
    await shootSizes(page, 'nodes-01b-details');
    await nodes.toggleDetails(NODE);
    assert.equal(await details.count(), 0, 'closed again');

    // A node that stopped answering during a run: the row says so and since when, the details say why.
    const reason = `The node at ${env.AIRGAP_TEST_NODE_SSH_DOCKER!} does not answer (no answer for 30 s). Check that it is up and reachable from this workstation.`;
    const records = new NodeRecords(harness.core.store.db);
    records.unreachable(NODE, new Date().toISOString(), reason);
    try {
      await new ShellPage(page).open('Dashboard');
      await new ShellPage(page).open('Nodes');
      await row.getByText('Not answering', { exact: true }).waitFor();
      assert.match(await row.innerText(), /since \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      const why = await nodes.toggleDetails(NODE);
      assert.match(await why.innerText(), /Why not answering\s+The node at .* does not answer \(no answer for 30 s\)/);
      for (const size of SIZES) {
        await page.setViewportSize(size);
        assert.equal(await nodes.scrollsSideways(nodes.table), false, `not answering: no sideways scroll at ${size.width} px`);
      }
      await page.setViewportSize(SIZES[0]);
      await shootSizes(page, 'nodes-01c-not-answering');
      await nodes.toggleDetails(NODE);
    } finally {
      records.seen(NODE, new Date().toISOString());
    }
  });

  it("an operator's run form offers the enabled node under Run on", async () => {
    // check-memory asks for site=east in its codebundle.yaml (placement); restart-service is read-write.
    const health = sampleBundle('host-health', 'c');
    health.codebundle.tasks = health.codebundle.tasks.map((t) =>
      t.id === 'check-memory' ? { ...t, placement: { labels: { site: 'east' } } } : t,
    );
    insertBundle(harness.core.store.db, health);
    insertBundle(harness.core.store.db, sampleBundle('service-restart', 'e'));
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    const pub = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');
    await dispatch(harness.core, session, 'trust.addKey', { pem: pub, comment: 'sample key' });
    await dispatch(harness.core, session, 'policy.allow', { tags: ['access:read-write'] });
    const operator = await addUser(harness.core, session, 'otto', ['operator']);
    ottoPassword = operator.password;
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

  it("the run form places by labels (the task's own prefilled) and offers a retry elsewhere only where one can happen", async () => {
    const app = await openApp(browser, harness);
    const session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    try {
      const page = app.page;
      await page.setViewportSize(SIZES[0]);
      await new SignInPage(page).signIn('otto', ottoPassword);
      await new ShellPage(page).open('Catalog');
      await new CatalogPage(page).runButton('Check Memory and Load of Host').click();
      const form = new RunFormDialog(page);
      const labels = form.variable('Node labels');
      const runOn = form.variable('Run on');
      const retry = form.variable('Retry on another node if this one stops answering');
      await labels.waitFor();
      // The task's placement is filled in, and the run goes to a node that carries it, never here.
      assert.equal(await labels.inputValue(), 'site=east');
      // The enrolled nodes arrive after the form opens.
      await runOn.getByRole('option', { name: NODE }).waitFor({ state: 'attached' });
      assert.deepEqual(await form.options(runOn), ['Any node with these labels', NODE]);
      assert.equal(await retry.isEnabled(), true, 'a read-only task placed by labels may be retried elsewhere');
      const before = (await dispatch(harness.core, session, 'runs.list', {})).total;

      // Bad labels: each says what to do, at the field, and nothing is started.
      await labels.fill('site=west');
      await form.start();
      await form.expectError('Node labels', "This task's bundle asks for site=east: keep it.");
      await labels.fill('site=east, rack');
      await form.expectError('Node labels', '"rack" is not a label: write key=value');
      await labels.fill('site=east, Rack=9');
      await form.expectError('Node labels', '"Rack" is not a label key');
      await labels.fill('site=east, rack=9');
      await form.expectError('Node labels', 'No enrolled node has site=east, rack=9.');
      await shootSizes(page, 'nodes-05-run-form-labels-error');
      await labels.fill('site=east');
      await form.expectNoError('Node labels');
      // A retry needs somewhere else to go: not with one named node.
      await retry.check();
      await runOn.selectOption(NODE);
      await form.start();
      await form.expectError('Retry on another node if this one stops answering', 'A run on one named node is not retried');
      assert.equal((await dispatch(harness.core, session, 'runs.list', {})).total, before, 'nothing was started');
      await runOn.selectOption('');
      await form.expectNoError('Retry on another node if this one stops answering');
      await shootSizes(page, 'nodes-06-run-form-placement');
      await form.start();
      await page.waitForURL(/#\/runs\/[\w-]+$/);
      const id = decodeURIComponent(page.url().split('#/runs/')[1]!);
      const run = await dispatch(harness.core, session, 'runs.show', { id });
      assert.deepEqual(run.placement, { labels: { site: 'east' }, node: null, retryElsewhere: true });

      // A read-write task: the retry is shown, not offered, with the reason; with no labels the run stays here.
      await new ShellPage(page).open('Catalog');
      await new CatalogPage(page).runButton('Restart Service').click();
      const rw = new RunFormDialog(page);
      const rwRetry = rw.variable('Retry on another node if this one stops answering');
      await rwRetry.waitFor();
      assert.equal(await rwRetry.isDisabled(), true);
      assert.equal(await rwRetry.isChecked(), false);
      assert.match(await rw.dialog.innerText(), /Only read-only tasks are retried: a read-write task may already have changed something/);
      assert.equal(await rw.variable('Node labels').inputValue(), '');
      assert.deepEqual(await rw.options(rw.variable('Run on')), ['This workstation', NODE]);
      await shootSizes(page, 'nodes-07-run-form-read-write');
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
