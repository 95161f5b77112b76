/**
 * Issue 15 items 6 and 10 in Debian's Chromium at 1024x768 and 1920x1080, on a real core and encrypted
 * store (the catalog's bundles are recorded as an import records them; no engine is needed):
 * - the vault binding is a picker of the catalog's bundles: it suggests only bundles that exist, a
 *   name that exists nowhere is refused with a message naming the ones that do (and nothing is bound),
 *   and binding works with the keyboard alone;
 * - a tag-policy change is previewed before it is saved: the tasks it would make usable or unusable,
 *   and "Keep the policy as it is" saves nothing;
 * - the audit trail names targets and actions in words with the recorded code in a tooltip, and the
 *   dashboard's store and engine facts are in words (no keyslots, MAC, rootful, schema version).
 * Shots: test-results/screenshots/<size>/words-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shootSizes, SIZES } from './browser';
import { shown, Windows } from './windows';
import { ROOT } from './build-renderer';
import { AuditPage, DashboardPage, ShellPage, TrustPage, VaultPage } from './pages';
import { insertBundle } from '../../src/bundles/catalog';
import { sampleBundle } from '../helpers/bundles';

const ADMIN = { name: 'wanda', password: 'wanda words things plainly' };
const PUB = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');

describe('plain words, the vault binding picker and the tag-policy preview in Chromium', { timeout: 240_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  let admin: Page;
  const windows = new Windows(() => ({ browser, harness }));
  const call = async (name: string, input: unknown) =>
    await admin.evaluate(async ([n, i]) => await window.api!.call(n as never, i as never), [name, input] as const);

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    admin = await windows.setup(ADMIN);
    await admin.setViewportSize(SIZES[0]);
    // Two imported bundles, as an import records them: host-health (read-only tasks, data:metrics)
    // and service-restart (one read-only task, one read-write task the default policy disables).
    insertBundle(harness.core.store.db, sampleBundle('host-health', 'c'));
    insertBundle(harness.core.store.db, sampleBundle('service-restart', 'e'));
    const trusted = await call('trust.addKey', { pem: PUB, comment: 'sample key' });
    assert.equal((trusted as { ok: boolean }).ok, true);
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await harness?.close();
  });

  it('the vault binding picker offers the catalog’s bundles, refuses a name that exists nowhere, and binds by keyboard', async () => {
    await new ShellPage(admin).open('Vault');
    const vault = new VaultPage(admin);
    await vault.add('db-password', { name: 'db.txt', value: 'not shown anywhere' });
    await shown(vault.status.filter({ hasText: /db-password added/ }));
    await shown(vault.bindPicker('db-password'));
    assert.deepEqual(await vault.suggestions('db-password'), ['host-health', 'service-restart']);

    // A typo: refused in words, naming the bundles that exist; nothing bound.
    await vault.bind('db-password', 'host-helth');
    const refusal = vault.rowIn(vault.items, 'db-password').getByRole('alert');
    await shown(refusal);
    assert.match(
      await refusal.innerText(),
      /No imported bundle is named "host-helth"\. Choose one from the list: host-health, service-restart\./,
    );
    assert.equal(await vault.bindPicker('db-password').getAttribute('aria-invalid'), 'true');
    await shootSizes(admin, 'words-01-vault-refused');
    const items = (await call('vault.list', {})) as { ok: true; value: { items: Array<{ name: string; bundles: string[] }> } };
    assert.deepEqual(items.value.items.find((i) => i.name === 'db-password')!.bundles, []);

    // Keyboard only: focus the picker, type the name, Enter.
    await vault.bindPicker('db-password').focus();
    await admin.keyboard.press('Control+A');
    await admin.keyboard.type('service-restart');
    await admin.keyboard.press('Enter');
    await shown(vault.status.filter({ hasText: 'db-password bound to service-restart.' }));
    await shown(vault.rowIn(vault.items, 'db-password').getByRole('button', { name: 'Unbind db-password from service-restart' }));
    // A bound bundle is no longer suggested.
    assert.deepEqual(await vault.suggestions('db-password'), ['host-health']);
    await shootSizes(admin, 'words-02-vault-bound');
  });

  it('a tag-policy change shows the tasks it would make unusable or usable before anything is saved', async () => {
    await new ShellPage(admin).open('Trust and policy');
    const trust = new TrustPage(admin);
    const before = await call('policy.show', {});

    await trust.proposePolicy('Deny…', 'data:metrics');
    assert.match(await trust.dialog.getByRole('heading').first().innerText(), /Deny data:metrics\?/);
    const unusable = trust.previewSection('Become unusable');
    await shown(unusable.getByText('Become unusable: 2 tasks'));
    assert.match(await unusable.innerText(), /host-health 1\.0\.0/);
    await shown(trust.previewSection('Become usable').getByText('Become usable: none'));
    await shootSizes(admin, 'words-03-policy-preview-deny', { fullPage: false });
    // The safe choice has focus: Enter keeps the policy, and nothing was saved.
    await admin.keyboard.press('Enter');
    await trust.dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(await call('policy.show', {}), before, 'the preview saved nothing');

    await trust.proposePolicy('Allow…', 'access:read-write');
    const usable = trust.previewSection('Become usable');
    await shown(usable.getByText('Become usable: 1 task'));
    assert.match(await usable.innerText(), /service-restart 1\.0\.0: Restart/);
    await trust.dialog.getByRole('button', { name: 'Save the policy' }).click();
    await trust.dialog.waitFor({ state: 'hidden' });
    await shown(trust.status.filter({ hasText: 'Policy updated: allow access:read-write.' }));
    const after = (await call('policy.show', {})) as { ok: true; value: { policy: { allow: string[] } } };
    assert.deepEqual(after.value.policy.allow, ['access:read-write']);

    // A change that flips nothing says so.
    await trust.proposePolicy('Deny…', 'vendor:*');
    await shown(trust.dialog.getByText(/No task of the imported bundles changes/));
    await trust.dialog.getByRole('button', { name: 'Keep the policy as it is' }).click();
  });

  it('the audit trail and the dashboard speak in words, with the recorded codes in tooltips', async () => {
    await new ShellPage(admin).open('Audit trail');
    const audit = new AuditPage(admin);
    await shown(audit.table.getByText('Vault item db-password').first());
    const policyCell = audit.table.getByText('Tag policy', { exact: true }).first();
    await shown(policyCell);
    assert.equal(await policyCell.getAttribute('title'), 'Recorded as policy:tags');
    // No target or action cell shows a raw code (prefix:value or dotted.name).
    const targets = await audit.events.evaluateAll((rows) => rows.map((r) => r.querySelectorAll('th, td')[4]?.textContent ?? ''));
    assert.ok(targets.length > 3);
    for (const t of targets) assert.doesNotMatch(t, /^(run|user|vault|key|policy|setting|bundle|digest):/, `target in words: ${t}`);
    const actions = await audit.events.evaluateAll((rows) => rows.map((r) => r.querySelectorAll('th, td')[3]?.textContent ?? ''));
    for (const a of actions) assert.doesNotMatch(a, /^[a-z]+\.[a-zA-Z.]+$/, `action in words: ${a}`);
    await shootSizes(admin, 'words-04-audit');

    await new ShellPage(admin).open('Dashboard');
    const dashboard = new DashboardPage(admin);
    await shown(dashboard.storeCheck.getByText('Intact, checked when the store was unlocked'));
    await shown(dashboard.storeCheck.getByText(/^Unbroken: \d+ events/));
    const text = await admin.getByRole('main').innerText();
    for (const jargon of [/keyslot/i, /\bMAC\b/, /rootful/, /Schema version/, /\bpid \d+/, /event\(s\)/])
      assert.doesNotMatch(text, jargon, `the dashboard says ${jargon} in words`);
    await shootSizes(admin, 'words-05-dashboard');
  });
});
