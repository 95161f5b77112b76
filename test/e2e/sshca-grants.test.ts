/**
 * Principal grants checked at import (issue 18): an admin allowed a bundle one principal; the
 * operator imports it through the Import screen (a signed OCI folder built on the SSH client image,
 * the real import pipeline and engine) and the result names the principal its task asks for that will
 * not be granted, and not the allowed one; the task page says the same, and follows the grants: once
 * the admin allows the other principal, it no longer warns. Shot light and dark at both sizes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { dispatch } from '../../src/api/dispatcher';
import type { Harness } from './harness';
import { startAdminSuite, type AdminSuite } from './admin-suite';
import { ROOT } from './build-renderer';
import { openApp, shootSizes, SIZES } from './browser';
import { CatalogPage, ImportPage, PinDialogPage, ShellPage, SignInPage } from './pages';
import { addUser } from '../helpers/core';
import { sshBundleMirror } from '../integration/vault/ssh-image';

const env = process.env;
const skip = !env.DOCKER_HOST
  ? 'SKIP: no DOCKER_HOST (eval "$(test/services.sh start --podman --remote)")'
  : !env.AIRGAP_TEST_SSH_IMAGE_TAR
    ? 'SKIP: no SSH client image (AIRGAP_TEST_SSH_IMAGE_TAR): start test/services.sh --remote'
    : false;

const ADMIN = { name: 'sara', password: 'sara keeps the site keys' };

function bundleDir(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'grants-bundle-')), name);
  execFileSync('mkdir', [dir]);
  writeFileSync(join(dir, 'hello.sh'), '#!/bin/sh\necho hello\n');
  writeFileSync(
    join(dir, 'codebundle.yaml'),
    [
      'apiVersion: airgap-runner.io/v1',
      `name: ${name}`,
      'version: 1.0.0',
      'description: Asks for an SSH certificate with two principals.',
      'maintainer: Tests <tests@airgap-runner.invalid>',
      'tasks:',
      '  - id: patch',
      '    title: Patch the database hosts',
      '    tags: [access:read-only, ssh]',
      '    access: read-only',
      '    command: [/bin/sh, /codebundle/hello.sh]',
      '    credentials:',
      '      - { type: ssh-certificate, name: dbhosts, principals: [deploy, root] }',
      '    timeoutSeconds: 60',
      '    resources: { cpu: 0.5, memoryMiB: 64, pids: 32 }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('principal grants checked at import, in Chromium', { skip, timeout: 300_000 }, () => {
  const bundle = `grants-${process.pid}`;
  let harness: Harness;
  let browser: Browser;
  let suite: AdminSuite | undefined;
  let session: string;

  before(async () => {
    suite = await startAdminSuite(ADMIN, { removeImages: true });
    ({ harness, browser } = suite);
    session = (await dispatch(harness.core, null, 'auth.signIn', { name: ADMIN.name, password: ADMIN.password })).sessionId;
    await dispatch(harness.core, session, 'trust.addKey', { pem: readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8') });
    await dispatch(harness.core, session, 'sshCa.allow', { kind: 'bundle', subject: bundle, principals: ['deploy'] });
  });

  after(async () => {
    await suite?.close();
  });

  it('the import result and the task page name the principal that will not be granted; the task page follows the grants', async () => {
    const mirror = await sshBundleMirror(bundleDir(bundle), env.AIRGAP_TEST_SSH_IMAGE_TAR!);
    const operator = await addUser(harness.core, session, 'otto', ['operator']);
    const app = await openApp(browser, harness, SIZES[0]);
    try {
      const page = app.page;
      await new SignInPage(page).signIn('otto', operator.password);
      await new ShellPage(page).open('Import', 'Import from a mirror');
      const imp = new ImportPage(page);
      harness.dialogs.open.push(mirror.source.slice('oci:'.length));
      await imp.listOciFolder();
      await imp.importRef(mirror.ref);
      const notice = imp.result.getByRole('status', { name: 'SSH principals not granted' });
      await notice.waitFor();
      const said = await notice.innerText();
      assert.match(said, /Patch the database hosts, credential dbhosts: root$/m);
      assert.doesNotMatch(said, /deploy/, 'the allowed principal is not named');
      await shootSizes(page, 'sshca-grants-01-import');

      await new ShellPage(page).open('Catalog');
      await new CatalogPage(page).taskLink('Patch the database hosts').click();
      const section = page.getByRole('definition').filter({ hasText: 'Asks to sign in as deploy, root' });
      await section.getByText(/Not allowed, so never in its certificates: root\./).waitFor();
      await shootSizes(page, 'sshca-grants-02-task');

      await dispatch(harness.core, session, 'sshCa.allow', { kind: 'tag', subject: 'ssh', principals: ['root'] });
      await page.reload();
      await page.getByRole('definition').filter({ hasText: 'Every one is allowed;' }).waitFor();
      assert.equal(await page.getByText(/Not allowed, so never/).count(), 0);
      assert.deepEqual(app.errors, [], 'no console errors');

      // With the CA on a token, Start asks the token's PIN in the PIN dialog; a wrong one is refused in words.
      if (!env.AIRGAP_TEST_PKCS11_MODULE || !env.SOFTHSM2_CONF) return;
      const pin = env.AIRGAP_TEST_PKCS11_PIN!;
      const token = env.AIRGAP_TEST_PKCS11_TOKEN!;
      await dispatch(harness.core, session, 'sshCa.addToken', {
        name: 'token-ca',
        module: env.AIRGAP_TEST_PKCS11_MODULE,
        token,
        keyLabel: `e2e-run-ca-${process.pid}-${Date.now().toString(36)}`,
        generateKey: true,
        pin,
      });
      await page.getByRole('button', { name: 'Run…' }).click();
      await page.getByRole('dialog', { name: 'Run Patch the database hosts' }).getByRole('button', { name: 'Start run' }).click();
      const dialog = new PinDialogPage(page, "Sign the run's SSH certificate on the hardware token");
      assert.equal(await dialog.pinFocused(), true);
      await dialog.typeAndEnter('71829364');
      assert.match(await dialog.refusal(/Wrong PIN/), new RegExp(`Wrong PIN for the token "${token}"`));
      assert.equal((harness.core.store.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n, 0, 'no run was recorded');
      await shootSizes(page, 'sshca-grants-03-run-pin');
      await dialog.typeAndEnter(pin);
      await page.waitForURL(/#\/runs\/r-/);
      await harness.core.runner.waitFor(decodeURIComponent(page.url().split('#/runs/')[1]!));
      const issued = await dispatch(harness.core, session, 'sshCa.issued', {});
      assert.deepEqual(issued.certificates[0]?.principals, ['deploy', 'root'], 'signed on the token for the allowed principals');
      assert.equal(issued.certificates[0]?.ca, 'token-ca');
    } finally {
      await app.context.close();
    }
  });
});
